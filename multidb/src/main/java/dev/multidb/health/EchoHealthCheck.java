package dev.multidb.health;

import java.util.concurrent.CompletionStage;
import java.util.concurrent.ThreadLocalRandom;

import io.lettuce.core.cluster.api.async.RedisAdvancedClusterAsyncCommands;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;

/**
 * The default health check: ECHO with a random payload, healthy only when the same payload comes
 * back (so a reply meant for an earlier, timed-out probe is never taken for this one). For a Redis
 * Cluster every node of the current topology must answer, except nodes the cluster itself already
 * flags as failing (FAIL or PFAIL): a master failing over inside the cluster is the cluster's own
 * business, not the database failing.
 */
public final class EchoHealthCheck implements HealthCheck {

    @Override
    public CompletionStage<Boolean> check(HealthCheckTarget target) {
        String payload = "multidb-health-" + Long.toHexString(ThreadLocalRandom.current().nextLong());
        RedisAdvancedClusterAsyncCommands<String, String> cluster = target.clusterCommands();
        if (cluster == null) {
            return target.commands().echo(payload).thenApply(payload::equals);
        }
        return cluster.nodes(EchoHealthCheck::expectedToAnswer).commands().echo(payload)
                .thenApply(replies -> !replies.isEmpty() && replies.stream().allMatch(payload::equals));
    }

    private static boolean expectedToAnswer(RedisClusterNode node) {
        return !node.is(RedisClusterNode.NodeFlag.FAIL) && !node.is(RedisClusterNode.NodeFlag.EVENTUAL_FAIL)
                && !node.is(RedisClusterNode.NodeFlag.NOADDR) && !node.is(RedisClusterNode.NodeFlag.HANDSHAKE);
    }

    @Override
    public String toString() {
        return "EchoHealthCheck";
    }
}
