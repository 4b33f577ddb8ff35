package dev.multidb.health;

import java.util.concurrent.CompletionStage;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.ThreadLocalRandom;

import io.lettuce.core.cluster.api.async.RedisAdvancedClusterAsyncCommands;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import io.lettuce.core.protocol.ConnectionIntent;
import java.time.Duration;

/**
 * The default health check: ECHO with a random payload, healthy only when the same payload comes
 * back (so a reply meant for an earlier, timed-out probe is never taken for this one).
 *
 * <p>For a Redis Cluster, every node of the current topology is asked (ECHO, and CLUSTER INFO must
 * say {@code cluster_state:ok}), and the cluster is healthy when every master that owns slots answers,
 * <em>or one of its replicas does</em>. So a cluster whose slots cannot all be served is
 * unhealthy, while a master failing over to its replica inside the cluster is the cluster's own
 * business, not the database failing. (The reference asks every node to pass; that would fail
 * over a whole region for one master the cluster is already replacing.)
 */
public final class EchoHealthCheck implements HealthCheck {

    private final Duration clusterNodeWait;

    /** With a 300 ms wait for each cluster node. */
    public EchoHealthCheck() {
        this(Duration.ofMillis(300));
    }

    /**
     * @param clusterNodeWait how long the answer of each cluster node is awaited; keep it below the
     *                        probe timeout, so that one frozen node does not time out the whole probe
     */
    public EchoHealthCheck(Duration clusterNodeWait) {
        this.clusterNodeWait = clusterNodeWait;
    }

    @Override
    public CompletionStage<Boolean> check(HealthCheckTarget target) {
        String payload = "multidb-health-" + Long.toHexString(ThreadLocalRandom.current().nextLong());
        RedisAdvancedClusterAsyncCommands<String, String> cluster = target.clusterCommands();
        if (cluster == null) {
            return target.commands().echo(payload).thenApply(payload::equals);
        }
        // Every node, failing ones included: a failed master's slots still count until the cluster
        // gives them to a replica. A node that does not answer within the wait simply did not answer.
        List<RedisClusterNode> nodes = List.copyOf(cluster.getStatefulConnection().getPartitions().getPartitions());
        Set<String> answered = ConcurrentHashMap.newKeySet();
        Set<String> stateOk = ConcurrentHashMap.newKeySet();
        var connection = cluster.getStatefulConnection();
        CompletableFuture<?>[] all = nodes.stream().map(node -> withinWait(connection
                .getConnectionAsync(node.getNodeId(), ConnectionIntent.WRITE)
                .thenApply(nodeConnection -> nodeConnection.async())
                .thenCompose(commands -> commands.echo(payload).toCompletableFuture().thenCombine(commands.clusterInfo(), (echo, info) -> {
                    if (payload.equals(echo)) {
                        answered.add(node.getNodeId());
                    }
                    if (info.contains("cluster_state:ok")) {
                        stateOk.add(node.getNodeId());
                    }
                    return null;
                })), connection.getResources().eventExecutorGroup())
                .handle((ignored, error) -> null)).toArray(CompletableFuture[]::new);
        return CompletableFuture.allOf(all).thenApply(ignored -> isHealthy(nodes, answered, stateOk));
    }

    /**
     * {@code answer}, or {@code null} once {@link #clusterNodeWait} has passed. The timer runs on the
     * client's own executor (not {@code completeOnTimeout}'s JDK-wide thread, which outlives the client).
     */
    private <T> CompletableFuture<T> withinWait(CompletableFuture<T> answer, ScheduledExecutorService timer) {
        CompletableFuture<T> bounded = new CompletableFuture<>();
        ScheduledFuture<?> expiry = timer.schedule(() -> bounded.complete(null), clusterNodeWait.toNanos(), TimeUnit.NANOSECONDS);
        answer.whenComplete((value, error) -> {
            expiry.cancel(false);
            if (error != null) {
                bounded.completeExceptionally(error);
            } else {
                bounded.complete(value);
            }
        });
        return bounded;
    }

    /**
     * Every master that owns slots answered, or one of its replicas did; and the cluster either
     * sees itself as ok, or is replacing a master that stopped answering by one of its replicas
     * (while it does, its nodes report {@code cluster_state:fail} and refuse commands with
     * CLUSTERDOWN, which multidb retries). A cluster whose nodes all answer but have not found each
     * other again (just restarted) is not healthy yet.
     */
    private static boolean isHealthy(List<RedisClusterNode> nodes, Set<String> answered, Set<String> stateOk) {
        boolean replacingAMaster = nodes.stream().anyMatch(master -> master.is(RedisClusterNode.NodeFlag.UPSTREAM)
                && !master.hasNoSlots() && !answered.contains(master.getNodeId()));
        return everySlotServed(nodes, answered) && (!stateOk.isEmpty() || replacingAMaster);
    }

    /** Every master with slots answered, or one of its replicas did. */
    private static boolean everySlotServed(Collection<RedisClusterNode> nodes, Set<String> answered) {
        boolean anyMaster = false;
        for (RedisClusterNode master : nodes) {
            if (!master.is(RedisClusterNode.NodeFlag.UPSTREAM) || master.hasNoSlots()) {
                continue;
            }
            anyMaster = true;
            boolean served = answered.contains(master.getNodeId()) || nodes.stream().anyMatch(replica ->
                    master.getNodeId().equals(replica.getSlaveOf()) && answered.contains(replica.getNodeId()));
            if (!served) {
                return false;
            }
        }
        return anyMaster;
    }


    @Override
    public String toString() {
        return "EchoHealthCheck";
    }
}
