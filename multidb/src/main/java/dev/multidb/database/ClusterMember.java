package dev.multidb.database;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import io.lettuce.core.RedisException;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;

import dev.multidb.Database;
import dev.multidb.health.HealthCheckTarget;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;

/**
 * A member database that is a Redis Cluster, reached through a Lettuce {@link RedisClusterClient}:
 * commands are routed to the node that owns their slot, and Lettuce follows the cluster's own
 * topology changes (a master failing over inside the cluster) by itself.
 */
public final class ClusterMember<K, V> implements Member<K, V> {

    private final RedisClusterClient client;
    private final RedisCodec<K, V> codec;
    private final String name;

    public ClusterMember(RedisClusterClient client, RedisCodec<K, V> codec, String name) {
        this.client = client;
        this.codec = codec;
        this.name = name;
    }

    private CompletableFuture<Void> topology;

    /**
     * Lettuce's asynchronous connect needs the topology loaded first (its synchronous
     * {@code getPartitions()} would block a thread): load it once, again after a failure.
     */
    private synchronized CompletableFuture<Void> topologyLoaded() {
        if (topology == null || topology.isCompletedExceptionally()) {
            topology = client.refreshPartitionsAsync().toCompletableFuture();
        }
        return topology;
    }

    @Override
    public CompletableFuture<StatefulConnection<K, V>> connectCommands() {
        return topologyLoaded().thenCompose(loaded -> client.connectAsync(codec)).thenApply(c -> c);
    }

    @Override
    @SuppressWarnings("unchecked")
    public CompletableFuture<String> ping(StatefulConnection<K, V> connection) {
        return ((StatefulRedisClusterConnection<K, V>) connection).async().ping().toCompletableFuture();
    }

    @Override
    public CompletableFuture<StatefulConnection<String, String>> connectHealth() {
        return topologyLoaded().thenCompose(loaded -> client.connectAsync(StringCodec.UTF8)).thenApply(c -> c);
    }

    @Override
    @SuppressWarnings("unchecked")
    public HealthCheckTarget healthTarget(Database database, StatefulConnection<String, String> connection) {
        return HealthTargets.cluster(database, ((StatefulRedisClusterConnection<String, String>) connection).async());
    }

    @Override
    public CompletableFuture<StatefulRedisPubSubConnection<K, V>> connectPubSub() {
        return topologyLoaded().thenCompose(loaded -> client.connectPubSubAsync(codec)).thenApply(c -> c);
    }

    @Override
    public CompletableFuture<StatefulRedisConnection<K, V>> connectDedicated() {
        return CompletableFuture.failedFuture(new RedisException("database '" + name + "' is a Redis Cluster:"
                + " a dedicated connection needs a key, to find the node that owns its slot"));
    }

    /**
     * A plain connection to the master that owns {@code slot} (transactions and blocking commands
     * must stay on one node): through a node client of this member, opened on first use.
     */
    @Override
    public CompletableFuture<StatefulRedisConnection<K, V>> connectDedicated(int slot) {
        return topologyLoaded().thenCompose(loaded -> {
            RedisClusterNode master = client.getPartitions().getMasterBySlot(slot);
            if (master == null) {
                return CompletableFuture.failedFuture(new RedisException("database '" + name + "': no master owns slot " + slot));
            }
            RedisURI node = RedisURI.builder(master.getUri()).build();
            return nodeClient().connectAsync(codec, node).toCompletableFuture().thenCompose(this::unlessShutDown);
        });
    }

    /** A connection that completes after {@link #shutdown()} began would be nobody's to close. */
    private CompletableFuture<StatefulRedisConnection<K, V>> unlessShutDown(StatefulRedisConnection<K, V> connection) {
        synchronized (this) {
            if (!shutDown) {
                return CompletableFuture.completedFuture(connection);
            }
        }
        connection.closeAsync();
        return CompletableFuture.failedFuture(new RedisException("database '" + name + "' was closed"));
    }

    private RedisClient nodeClient;
    private boolean shutDown;

    private synchronized RedisClient nodeClient() {
        if (shutDown) {
            // Not a new node client: nothing would ever shut it down.
            throw new RedisException("database '" + name + "' was closed");
        }
        if (nodeClient == null) {
            nodeClient = RedisClient.create(client.getResources());
            nodeClient.setOptions(client.getOptions()); // the member's overrides: no reconnect, no replay, timeouts
        }
        return nodeClient;
    }

    @Override
    public CompletableFuture<Void> shutdown() {
        CompletableFuture<Void> nodes;
        synchronized (this) {
            shutDown = true;
            nodes = nodeClient == null ? CompletableFuture.completedFuture(null) : nodeClient.shutdownAsync(0, 2, TimeUnit.SECONDS);
        }
        return CompletableFuture.allOf(nodes, client.shutdownAsync(0, 2, TimeUnit.SECONDS));
    }
}
