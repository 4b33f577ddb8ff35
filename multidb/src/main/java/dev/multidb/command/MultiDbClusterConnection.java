package dev.multidb.command;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.RedisChannelWriter;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.StatefulRedisClusterConnectionImpl;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.models.partitions.Partitions;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.protocol.ConnectionIntent;
import io.lettuce.core.cluster.ClusterPushHandler;
import io.lettuce.core.cluster.api.push.RedisClusterPushListener;
import java.util.Collection;
import java.util.List;

/**
 * Lettuce's own cluster connection implementation, wired to the {@link RoutingChannelWriter}: the
 * application gets Lettuce's advanced cluster command APIs, and every command follows the active
 * member cluster (and, inside it, the node that owns its slot). Operations addressed to nodes
 * (node selections, KEYS or SCAN across the cluster, {@code getConnection(nodeId)}) use the active
 * member's own node connections and topology; they are not retried by multidb.
 */
public final class MultiDbClusterConnection<K, V> extends StatefulRedisClusterConnectionImpl<K, V> {

    private final Supplier<StatefulRedisClusterConnection<K, V>> active;
    private final RoutingChannelWriter writer;
    /** An application's own connection ({@code connect()}): closing it closes it. */
    private final boolean owned;

    /**
     * @param active the active member's cluster connection; throws when no database is usable
     */
    public MultiDbClusterConnection(RoutingChannelWriter writer, RedisCodec<K, V> codec, Duration callerTimeout,
            Supplier<StatefulRedisClusterConnection<K, V>> active, boolean owned) {
        super(writer, NO_PUSH, codec, callerTimeout);
        this.writer = writer;
        this.owned = owned;
        this.active = active;
        setOptions(ClusterClientOptions.builder().timeoutOptions(TimeoutOptions.builder().timeoutCommands(true)
                .timeoutSource(new MultiDbConnection.CallerTimeout(callerTimeout)).build()).build());
    }

    private StatefulRedisClusterConnection<K, V> member() {
        return active.get();
    }

    /** The active member's writer, for Lettuce's node-addressed operations (application commands do not use it). */
    @Override
    public RedisChannelWriter getChannelWriter() {
        if (active == null) { // during construction
            return super.getChannelWriter();
        }
        return ((RedisChannelHandler<?, ?>) member()).getChannelWriter();
    }

    @Override
    public Partitions getPartitions() {
        return active == null ? super.getPartitions() : member().getPartitions();
    }

    @Override
    public StatefulRedisConnection<K, V> getConnection(String nodeId, ConnectionIntent connectionIntent) {
        return member().getConnection(nodeId, connectionIntent);
    }

    @Override
    public CompletableFuture<StatefulRedisConnection<K, V>> getConnectionAsync(String nodeId, ConnectionIntent connectionIntent) {
        return member().getConnectionAsync(nodeId, connectionIntent);
    }

    @Override
    public StatefulRedisConnection<K, V> getConnection(String host, int port, ConnectionIntent connectionIntent) {
        return member().getConnection(host, port, connectionIntent);
    }

    @Override
    public CompletableFuture<StatefulRedisConnection<K, V>> getConnectionAsync(String host, int port,
            ConnectionIntent connectionIntent) {
        return member().getConnectionAsync(host, port, connectionIntent);
    }

    @Override
    public void setAutoFlushCommands(boolean autoFlush) {
        writer.setAutoFlushCommands(autoFlush);
    }

    @Override
    public void flushCommands() {
        writer.flushCommands();
    }

    @Override
    public void close() {
        if (owned) {
            super.close();
        }
        // The shared connection is a view of the client: closing it leaves the client running.
    }

    @Override
    public CompletableFuture<Void> closeAsync() {
        return owned ? super.closeAsync() : CompletableFuture.completedFuture(null);
    }

    private static final ClusterPushHandler NO_PUSH = new ClusterPushHandler() {
        @Override
        public void addListener(RedisClusterPushListener listener) {
        }

        @Override
        public void removeListener(RedisClusterPushListener listener) {
        }

        @Override
        public Collection<RedisClusterPushListener> getPushListeners() {
            return List.of();
        }
    };
}
