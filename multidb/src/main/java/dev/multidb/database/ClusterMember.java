package dev.multidb.database;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import io.lettuce.core.RedisException;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.async.RedisAdvancedClusterAsyncCommands;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;

import dev.multidb.Database;
import dev.multidb.health.HealthCheckTarget;

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
        RedisAdvancedClusterAsyncCommands<String, String> commands = ((StatefulRedisClusterConnection<String, String>) connection).async();
        return new HealthCheckTarget() {
            @Override
            public Database database() {
                return database;
            }

            @Override
            public RedisAsyncCommands<String, String> commands() {
                throw new UnsupportedOperationException("database '" + name + "' is a Redis Cluster: use clusterCommands()");
            }

            @Override
            public RedisAdvancedClusterAsyncCommands<String, String> clusterCommands() {
                return commands;
            }
        };
    }

    @Override
    public CompletableFuture<StatefulRedisPubSubConnection<K, V>> connectPubSub() {
        return topologyLoaded().thenCompose(loaded -> client.connectPubSubAsync(codec)).thenApply(c -> c);
    }

    @Override
    public CompletableFuture<StatefulRedisConnection<K, V>> connectDedicated() {
        return CompletableFuture.failedFuture(new RedisException("database '" + name + "' is a Redis Cluster:"
                + " transactions and blocking commands on a cluster member are not supported yet"));
    }

    @Override
    public CompletableFuture<Void> shutdown() {
        return client.shutdownAsync(0, 2, TimeUnit.SECONDS);
    }
}
