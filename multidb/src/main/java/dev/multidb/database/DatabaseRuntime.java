package dev.multidb.database;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import java.util.function.Supplier;

import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.RedisConnectionStateListener;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;

import dev.multidb.Database;
import dev.multidb.DatabaseConfig;
import dev.multidb.Masking;
import dev.multidb.circuit.CircuitBreaker;
import dev.multidb.circuit.CircuitState;
import dev.multidb.detect.FailureTracker;
import dev.multidb.failover.ManagedDatabase;
import dev.multidb.health.HealthCheckTarget;
import dev.multidb.health.TcpProgress;

/**
 * The runtime of one member database: its Lettuce client, the connection that carries application
 * traffic, a separate long-lived connection for health checks, its circuit breaker, failure
 * trackers and the counters the stall watchdog reads.
 *
 * <p>Internal: applications see it as {@link Database}.
 */
public final class DatabaseRuntime<K, V> implements ManagedDatabase {

    private static final System.Logger LOG = System.getLogger(DatabaseRuntime.class.getName());

    private final DatabaseConfig config;
    private final Member<K, V> member;
    private final RedisCodec<K, V> codec;
    private final Duration commandTimeout;
    private final Duration healthCheckTimeout;
    private final CircuitBreaker circuit;
    private final Consumer<DatabaseRuntime<K, V>> onConnectionLost;

    private volatile double weight;
    private volatile boolean healthy;
    private volatile long lastHealthLatencyNanos = -1;
    private final FailureTrackers trackers;
    private final Database view = new DatabaseView(this);

    private volatile StatefulConnection<K, V> commandConnection;
    private CompletableFuture<StatefulConnection<K, V>> commandConnecting;
    private final HealthConnection healthConnection;

    /** Commands handed to the command connection / answered by it: the stall watchdog compares them. */
    public final LongAdder dispatched = new LongAdder();
    public final LongAdder completed = new LongAdder();
    private volatile boolean closed;
    private final DedicatedLending<K, V> dedicated;
    private volatile int abandonments;
    private volatile boolean serverBusy;
    /** Connections of the application's own {@code connect()} connections to this database. */
    private final Set<StatefulConnection<K, V>> sessionConnections = ConcurrentHashMap.newKeySet();

    public DatabaseRuntime(DatabaseConfig config, Member<K, V> member, RedisCodec<K, V> codec, Duration commandTimeout,
            Duration healthCheckTimeout, CircuitBreaker circuit, Consumer<DatabaseRuntime<K, V>> onConnectionLost) {
        this.config = config;
        this.member = member;
        this.codec = codec;
        this.commandTimeout = commandTimeout;
        this.healthCheckTimeout = healthCheckTimeout;
        this.circuit = circuit;
        this.onConnectionLost = onConnectionLost;
        this.weight = config.weight();
        this.trackers = new FailureTrackers(config.name());
        this.healthConnection = new HealthConnection(config.name(), healthCheckTimeout, () -> connect(member::connectHealth));
        this.dedicated = new DedicatedLending<>(config.name(), member, commandTimeout, this::connectDedicated);
    }

    /** The connections this database lends for exclusive use (transactions, blocking commands). */
    public DedicatedLending<K, V> dedicated() {
        return dedicated;
    }

    /** Whether a command is in flight here: on the shared connection, or on a dedicated one. */
    @Override
    public boolean busy() {
        return dispatched.sum() > completed.sum() || dedicated.inUse();
    }

    /** The slot of a key in this database's codec; 0 for a single endpoint, where slots do not matter. */
    public int slotOf(K key) {
        return isCluster() ? SlotHash.getSlot(codec.encodeKey(key)) : 0;
    }

    @Override
    public String name() {
        return config.name();
    }

    @Override
    public double weight() {
        return weight;
    }

    @Override
    public void setWeight(double weight) {
        this.weight = weight;
    }

    @Override
    public CircuitState circuitState() {
        return circuit.state();
    }

    @Override
    public boolean isHealthy() {
        return healthy;
    }

    @Override
    public void setHealthy(boolean healthy, long latencyNanos) {
        this.healthy = healthy;
        this.lastHealthLatencyNanos = latencyNanos;
    }

    private volatile Throwable lastFailure;

    /** Why the last failed health check failed, or {@code null}. */
    public Throwable lastFailure() {
        return lastFailure;
    }

    @Override
    public void setLastFailure(Throwable cause) {
        this.lastFailure = cause;
    }

    /** Latency of the last passing health probe, or -1. */
    public long lastHealthLatencyNanos() {
        return lastHealthLatencyNanos;
    }

    @Override
    public RedisURI uri() {
        return config.uri();
    }

    @Override
    public String healthCheckUrl() {
        return config.healthCheckUrl();
    }

    public DatabaseConfig config() {
        return config;
    }

    @Override
    public CircuitBreaker circuit() {
        return circuit;
    }

    @Override
    public Database view() {
        return view;
    }

    /** The failure trackers of this database, one per failure detector. */
    public FailureTrackers trackers() {
        return trackers;
    }

    public void addTracker(FailureTracker tracker) {
        trackers.add(tracker);
    }

    @Override
    public void resetTrackers() {
        trackers.reset();
    }

    /** The connection for application commands, or {@code null} while there is none. Hot path: one volatile read. */
    public StatefulConnection<K, V> commandConnection() {
        return commandConnection;
    }

    @Override
    public boolean hasCommandConnection() {
        return commandConnection != null;
    }

    @Override
    public long dispatchedCount() {
        return dispatched.sum();
    }

    @Override
    public long completedCount() {
        return completed.sum();
    }

    /**
     * Makes the command connection ready for traffic: opens a new one if there is none (or it was
     * lost), and proves it live with a PING, so traffic never moves onto a stale connection.
     */
    @Override
    public CompletableFuture<Void> prepareForTraffic() {
        return openCommandConnection().thenCompose(connection -> member.ping(connection)
                .handle((pong, error) -> {
                    if (error == null) {
                        return CompletableFuture.<Void>completedFuture(null);
                    }
                    // A stale connection: replace it once, and prove the new one.
                    closeCommandConnection(connection);
                    return openCommandConnection().thenCompose(member::ping)
                            .<Void>thenApply(ignored -> null);
                }).thenCompose(f -> f));
    }

    /**
     * Opens a new command connection if the current one was lost (at most one attempt at a time).
     * Used for the active database after a transient reset; a dead database simply refuses.
     */
    public void reconnect() {
        if (!closed) {
            openCommandConnection().exceptionally(e -> null);
        }
    }

    private synchronized CompletableFuture<StatefulConnection<K, V>> openCommandConnection() {
        StatefulConnection<K, V> current = commandConnection;
        if (current != null && current.isOpen()) {
            return CompletableFuture.completedFuture(current);
        }
        if (commandConnecting != null && !commandConnecting.isDone()) {
            return commandConnecting;
        }
        if (closed) {
            return closedFuture(); // a closed client opens nothing
        }
        CompletableFuture<StatefulConnection<K, V>> connecting = connect(member::connectCommands).thenApply(connection -> {
                    connection.setTimeout(commandTimeout);
                    ((RedisChannelHandler<?, ?>) connection).addListener(new RedisConnectionStateListener() {
                        @Override
                        public void onRedisDisconnected(RedisChannelHandler<?, ?> ignored) {
                            onConnectionLost.accept(DatabaseRuntime.this);
                        }
                    });
                    synchronized (this) {
                        if (closed) {
                            connection.closeAsync();
                            throw new IllegalStateException("database '" + name() + "' is closed");
                        }
                        commandConnection = connection;
                    }
                    return connection;
                });
        commandConnecting = connecting;
        return connecting;
    }

    /**
     * Closes the command connection, and the connections of blocking commands still running here,
     * so that their commands fail at once (and are retried elsewhere when safe) instead of waiting
     * for their timeout, or forever. The server may still run what it received: every command
     * failed this way counts as one that may be applied late (see {@link #abandonments()}).
     */
    @Override
    public void abandonCommandConnection() {
        // Only a connection the server still holds open is cut by closing it: one the server already
        // closed (a killed process) can apply nothing late, so its failures stay retryable.
        boolean cutting = cutsLiveConnection(commandConnection) || sessionConnections.stream().anyMatch(DatabaseRuntime::cutsLiveConnection)
                || dedicated.anyBlocking(DatabaseRuntime::cutsLiveConnection);
        StatefulConnection<K, V> current;
        synchronized (this) {
            if (cutting) {
                abandonments++;
            }
            current = commandConnection;
            commandConnection = null;
        }
        if (current != null) {
            current.closeAsync();
        }
        sessionConnections.forEach(StatefulConnection::closeAsync);
        dedicated.endBlockingCommands();
    }

    private static boolean cutsLiveConnection(StatefulConnection<?, ?> connection) {
        if (connection instanceof io.lettuce.core.cluster.api.StatefulRedisClusterConnection<?, ?>) {
            // Its isOpen() speaks for its seed node only (a dead seed says closed while other nodes
            // still run commands), and its node sockets are out of reach: no telling, so a cut.
            return true;
        }
        return connection != null && connection.isOpen() && !TcpProgress.peerClosed(connection);
    }

    @Override
    public boolean isServerBusy() {
        return serverBusy;
    }

    @Override
    public void setServerBusy(boolean busy) {
        serverBusy = busy;
    }

    @Override
    public void leave() {
        dedicated.left(); // first: a blocking command routed here and not yet sent is not sent now
        if (!serverBusy) {
            abandonCommandConnection();
            return;
        }
        // Busy: its commands finish on their own connection. Only blocking ones end (a BLPOP without a
        // time limit would wait forever); the server may still pop for them, so that is an abandonment.
        synchronized (this) {
            abandonments++;
        }
        dedicated.endBlockingCommands();
    }

    /**
     * How many times this client closed connections here while commands may have been running on
     * the server ({@link #abandonCommandConnection()}). An attempt that failed on a closed
     * connection after this count changed was cut by us, not by the server: the server may still
     * apply it. Incremented before the connections close, so a failure it caused always sees it.
     */
    public int abandonments() {
        return abandonments;
    }

    private synchronized void closeCommandConnection(StatefulConnection<K, V> connection) {
        if (commandConnection == connection) {
            commandConnection = null;
        }
        connection.closeAsync();
    }

    /** The connection health checks run on. */
    public HealthConnection healthConnection() {
        return healthConnection;
    }

    /** A new Pub/Sub connection to this database, owned by the caller. */
    public CompletableFuture<StatefulRedisPubSubConnection<K, V>> connectPubSub() {
        if (closed) {
            return closedFuture();
        }
        return member.connectPubSub().thenApply(connection -> {
            connection.setTimeout(commandTimeout);
            return connection;
        });
    }

    /** A new dedicated connection to this database (transactions, blocking commands), owned by the caller. */
    private CompletableFuture<StatefulRedisConnection<K, V>> connectDedicated() {
        if (closed) {
            return closedFuture();
        }
        return member.connectDedicated().thenApply(connection -> {
            connection.setTimeout(commandTimeout);
            return connection;
        });
    }

    /**
     * A new connection for one of the application's own connections ({@code connect()}), owned by
     * the caller. Leaving this database as dead closes it with the command connection, so that
     * its commands fail at once as cut by the client ({@link #abandonments()}).
     */
    public CompletableFuture<StatefulRedisConnection<K, V>> connectSession() {
        return connectDedicated().thenApply(connection -> {
            sessionConnections.add(connection);
            ((RedisChannelHandler<?, ?>) connection).addListener(new RedisConnectionStateListener() {
                @Override
                public void onRedisDisconnected(RedisChannelHandler<?, ?> ignored) {
                    sessionConnections.remove(connection);
                }
            });
            if (closed || !connection.isOpen()) {
                sessionConnections.remove(connection);
                connection.closeAsync();
                throw new IllegalStateException("database '" + name() + "' is closed");
            }
            return connection;
        });
    }

    /**
     * A command on this database failed with a lost connection or a timeout. A single endpoint's
     * connection is already gone; inside a cluster connection the lost node's connection stays
     * closed or stuck (nothing reopens it when replays are off), so the whole cluster connection
     * is replaced: the next command opens a fresh one on the current topology.
     */
    public void commandConnectionFailed() {
        if (isCluster()) {
            abandonCommandConnection();
        }
    }

    /** See {@link Member#failingOver()}: a Sentinel group replacing its master, in words, or {@code null}. */
    public CompletableFuture<String> failingOver() {
        return closed ? CompletableFuture.completedFuture(null) : member.failingOver();
    }

    /** Whether this member is a Redis Cluster. */
    public boolean isCluster() {
        return member instanceof ClusterMember;
    }

    /** What a health check sees of this database over the health connection. */
    public HealthCheckTarget healthTarget(StatefulConnection<String, String> connection) {
        return member.healthTarget(view, connection);
    }


    public Duration commandTimeout() {
        return commandTimeout;
    }

    /** Closes every connection, and the Lettuce client if multidb created it. */
    @Override
    public CompletableFuture<Void> closeAsync() {
        List<CompletableFuture<Void>> closing = new ArrayList<>();
        synchronized (this) {
            closed = true;
            if (commandConnection != null) {
                closing.add(commandConnection.closeAsync());
                commandConnection = null;
            }
        }
        sessionConnections.forEach(c -> closing.add(c.closeAsync()));
        closing.add(healthConnection.close());
        closing.add(dedicated.close());
        CompletableFuture<Void> all = CompletableFuture.allOf(closing.toArray(CompletableFuture[]::new));
        return all.handle((ok, e) -> null).thenCompose(ignored -> member.shutdown());
    }

    /** Connections still in the process of opening when the client closes: closed as they arrive. */
    @Override
    public synchronized boolean isClosed() {
        return closed;
    }

    private <C> CompletableFuture<C> closedFuture() {
        return CompletableFuture.failedFuture(new IllegalStateException("database '" + name() + "' is closed"));
    }

    /**
     * Starts a connect. Closing the client shuts down its event loops, which then refuse the work
     * with an exception instead of a failed future: that is a closed database, not an error.
     */
    private <C> CompletableFuture<C> connect(Supplier<CompletableFuture<C>> connect) {
        try {
            return connect.get();
        } catch (RejectedExecutionException closing) {
            return closedFuture();
        }
    }

    @Override
    public String toString() {
        return "Database[" + name() + " " + Masking.mask(config.uri()) + " weight=" + weight + " circuit=" + circuitState()
                + " healthy=" + healthy + "]";
    }
}
