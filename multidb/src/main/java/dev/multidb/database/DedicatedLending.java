package dev.multidb.database;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

import io.lettuce.core.api.StatefulRedisConnection;

/**
 * The connections one database lends for exclusive use (a transaction, a blocking command): from
 * a small pool for a single endpoint; for a Redis Cluster, a new connection to the node that owns
 * the slot, closed after use. It also knows which of them run a blocking command now, so that
 * leaving the database can end those (a BLPOP without a time limit would otherwise wait forever).
 */
public final class DedicatedLending<K, V> {

    /** At most this many dedicated connections per database (transactions, blocking commands). */
    public static final int POOL_SIZE = 8;

    private final Member<K, V> member;
    private final Duration commandTimeout;
    private final DedicatedConnections<K, V> pool;
    /** Per-node dedicated connections lent out (cluster members; their connections are not pooled). */
    private final AtomicInteger clusterInUse = new AtomicInteger();
    private final Set<StatefulRedisConnection<K, V>> blocking = ConcurrentHashMap.newKeySet();
    private final java.util.concurrent.atomic.AtomicLong leaves = new java.util.concurrent.atomic.AtomicLong();

    DedicatedLending(String database, Member<K, V> member, Duration commandTimeout,
            Supplier<CompletableFuture<StatefulRedisConnection<K, V>>> opener) {
        this.member = member;
        this.commandTimeout = commandTimeout;
        this.pool = new DedicatedConnections<>(database, POOL_SIZE, opener);
    }

    private boolean isCluster() {
        return member instanceof ClusterMember;
    }

    /**
     * A connection for exclusive use whose keys live in {@code slot} (0 for a single endpoint).
     * Give it back with {@link #release}.
     */
    public CompletableFuture<StatefulRedisConnection<K, V>> borrow(int slot) {
        if (!isCluster()) {
            return pool.borrow();
        }
        return member.connectDedicated(slot).thenApply(connection -> {
            connection.setTimeout(commandTimeout);
            clusterInUse.incrementAndGet();
            return connection;
        });
    }

    /** Gives back a connection from {@link #borrow}; {@code reusable} is false after any failure. */
    public void release(StatefulRedisConnection<K, V> connection, boolean reusable) {
        if (isCluster()) {
            clusterInUse.decrementAndGet();
            connection.closeAsync(); // per-node connections are not pooled (yet)
        } else {
            pool.release(connection, reusable);
        }
    }

    /** Whether any connection is lent out now. */
    boolean inUse() {
        return pool.inUse() || clusterInUse.get() > 0;
    }

    /**
     * Taken when a blocking command is routed here, for {@link #blockingStarts}: how many times traffic left this
     * database so far ({@link #left()}).
     */
    public long blockingEpoch() {
        return leaves.get();
    }

    /**
     * Traffic left this database: blocking commands routed here before and not yet sent must not be sent. Called
     * before {@link #endBlockingCommands()} ends those already running.
     */
    void left() {
        leaves.incrementAndGet();
    }

    /**
     * A blocking command routed here at {@code epoch} ({@link #blockingEpoch()}) is about to be sent on
     * {@code connection}: it runs there until {@link #blockingDone}, unless traffic left this database since it
     * was routed (while it waited for a connection). Then it is not registered and must not be sent: {@code false}.
     * (Otherwise a BLPOP without a time limit would wait on a database nobody ends it on.)
     */
    public synchronized boolean blockingStarts(StatefulRedisConnection<K, V> connection, long epoch) {
        // Under the same lock as leaving: either the leave came first (refused here), or it comes after
        // the registration and ends this command with the others.
        if (leaves.get() != epoch) {
            return false;
        }
        blocking.add(connection);
        return true;
    }

    public void blockingDone(StatefulRedisConnection<K, V> connection) {
        blocking.remove(connection);
    }

    /** Whether a connection running a blocking command now satisfies {@code test}. */
    boolean anyBlocking(java.util.function.Predicate<StatefulRedisConnection<K, V>> test) {
        return blocking.stream().anyMatch(test);
    }

    /** Ends every blocking command running now: their connections close. */
    synchronized void endBlockingCommands() {
        for (StatefulRedisConnection<K, V> connection : blocking) {
            connection.closeAsync();
        }
    }

    CompletableFuture<Void> close() {
        return pool.closeAsync();
    }
}
