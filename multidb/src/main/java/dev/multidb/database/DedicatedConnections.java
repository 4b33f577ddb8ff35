package dev.multidb.database;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

import io.lettuce.core.RedisException;
import io.lettuce.core.api.StatefulRedisConnection;

/**
 * A small bounded pool of dedicated connections to one database, for what must not share the
 * multiplexed command connection: transactions (WATCH … EXEC on one connection) and blocking
 * commands (a BLPOP would stall every other thread's commands behind it). A connection that saw
 * a failure is closed, never returned. A borrower that gives up cancels its future; a connection
 * handed to a cancelled borrower goes to the next one instead of being lost.
 */
public final class DedicatedConnections<K, V> {

    private final String database;
    private final int max;
    private final Supplier<CompletableFuture<StatefulRedisConnection<K, V>>> opener;
    private final Deque<StatefulRedisConnection<K, V>> idle = new ArrayDeque<>();
    private final Deque<CompletableFuture<StatefulRedisConnection<K, V>>> waiting = new ArrayDeque<>();
    /** Every connection of the pool, idle or leased, so that close() closes them all. */
    private final Set<StatefulRedisConnection<K, V>> all = new HashSet<>();
    private int leased;
    private boolean closed;

    public DedicatedConnections(String database, int max, Supplier<CompletableFuture<StatefulRedisConnection<K, V>>> opener) {
        this.database = database;
        this.max = max;
        this.opener = opener;
    }

    /** A connection for exclusive use until {@link #release}; waits (asynchronously) while all are in use. */
    public CompletableFuture<StatefulRedisConnection<K, V>> borrow() {
        CompletableFuture<StatefulRedisConnection<K, V>> result = new CompletableFuture<>();
        synchronized (this) {
            if (closed) {
                return CompletableFuture.failedFuture(new IllegalStateException("the MultiDbClient is closed"));
            }
            while (!idle.isEmpty()) {
                StatefulRedisConnection<K, V> candidate = idle.pollFirst();
                if (candidate.isOpen()) {
                    leased++;
                    return CompletableFuture.completedFuture(candidate);
                }
                all.remove(candidate);
                candidate.closeAsync();
            }
            if (leased >= max) {
                waiting.addLast(result);
                return result;
            }
            leased++;
        }
        opener.get().whenComplete((connection, error) -> {
            if (error != null) {
                synchronized (this) {
                    leased--;
                }
                result.completeExceptionally(new RedisException("no dedicated connection to '" + database + "': " + error.getMessage(), error));
                return;
            }
            boolean poolClosed;
            synchronized (this) {
                poolClosed = closed;
                if (!poolClosed) {
                    all.add(connection);
                }
            }
            if (poolClosed) { // opened while the pool was being closed: nobody else would close it
                connection.closeAsync();
                result.completeExceptionally(new IllegalStateException("the MultiDbClient is closed"));
                return;
            }
            if (!result.complete(connection)) {
                release(connection, true); // the borrower gave up meanwhile
            }
        });
        return result;
    }

    /** Whether a connection of the pool is lent out or a borrower waits for one. */
    public synchronized boolean inUse() {
        return leased > 0 || !waiting.isEmpty();
    }

    /** Gives a connection back; {@code reusable} is false after any failure, and the connection is then closed. */
    public void release(StatefulRedisConnection<K, V> connection, boolean reusable) {
        boolean keep = reusable && connection.isOpen();
        while (keep) {
            CompletableFuture<StatefulRedisConnection<K, V>> next;
            synchronized (this) {
                if (closed) {
                    keep = false;
                    break;
                }
                next = waiting.pollFirst();
                if (next == null) {
                    leased--;
                    idle.addLast(connection);
                    return;
                }
            }
            if (next.complete(connection)) {
                return; // handed over: the lease passes to the waiter
            }
        }
        synchronized (this) {
            leased--;
            all.remove(connection);
        }
        connection.closeAsync();
        wakeOneWaiter();
    }

    /** A lease ended without a connection to pass on: let one waiter open a new one. */
    private void wakeOneWaiter() {
        CompletableFuture<StatefulRedisConnection<K, V>> next;
        do { // skip waiters that gave up: the free slot is for one still waiting
            synchronized (this) {
                next = waiting.pollFirst();
            }
        } while (next != null && next.isDone());
        if (next == null) {
            return;
        }
        CompletableFuture<StatefulRedisConnection<K, V>> waiter = next;
        borrow().whenComplete((connection, error) -> {
            if (error != null) {
                waiter.completeExceptionally(error);
            } else if (!waiter.complete(connection)) {
                release(connection, true);
            }
        });
    }

    /** Closes every connection, idle or leased, and fails the waiters. */
    public CompletableFuture<Void> closeAsync() {
        List<StatefulRedisConnection<K, V>> toClose;
        List<CompletableFuture<StatefulRedisConnection<K, V>>> toFail;
        synchronized (this) {
            closed = true;
            toClose = new ArrayList<>(all);
            all.clear();
            idle.clear();
            toFail = new ArrayList<>(waiting);
            waiting.clear();
        }
        toFail.forEach(f -> f.completeExceptionally(new IllegalStateException("the MultiDbClient is closed")));
        return CompletableFuture.allOf(toClose.stream().map(StatefulRedisConnection::closeAsync).toArray(CompletableFuture[]::new));
    }
}
