package dev.multidb.database;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

import io.lettuce.core.RedisException;
import io.lettuce.core.api.StatefulRedisConnection;

/**
 * A small bounded pool of dedicated connections to one database, for what must not share the
 * multiplexed command connection: transactions (WATCH … EXEC on one connection) and blocking
 * commands (a BLPOP would stall every other thread's commands behind it). A connection that saw
 * a failure is closed, never returned.
 */
public final class DedicatedConnections<K, V> {

    private final String database;
    private final int max;
    private final Supplier<CompletableFuture<StatefulRedisConnection<K, V>>> opener;
    private final Deque<StatefulRedisConnection<K, V>> idle = new ArrayDeque<>();
    private final Deque<CompletableFuture<StatefulRedisConnection<K, V>>> waiting = new ArrayDeque<>();
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
        boolean open;
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
                candidate.closeAsync();
            }
            if (leased >= max) {
                waiting.addLast(result);
                return result;
            }
            leased++;
            open = true;
        }
        if (open) {
            opener.get().whenComplete((connection, error) -> {
                if (error != null) {
                    synchronized (this) {
                        leased--;
                    }
                    result.completeExceptionally(new RedisException("no dedicated connection to '" + database + "': " + error.getMessage(), error));
                } else {
                    result.complete(connection);
                }
            });
        }
        return result;
    }

    /** Gives a connection back; {@code reusable} is false after any failure, and the connection is then closed. */
    public void release(StatefulRedisConnection<K, V> connection, boolean reusable) {
        CompletableFuture<StatefulRedisConnection<K, V>> next = null;
        boolean keep = reusable && connection.isOpen();
        synchronized (this) {
            if (closed) {
                keep = false;
                leased--;
            } else if (keep && !waiting.isEmpty()) {
                next = waiting.pollFirst(); // hand over directly, the lease count stays
            } else if (keep) {
                leased--;
                idle.addLast(connection);
            } else {
                leased--;
            }
        }
        if (next != null) {
            next.complete(connection);
            return;
        }
        if (!keep) {
            connection.closeAsync();
            wakeOneWaiter();
        }
    }

    private void wakeOneWaiter() {
        CompletableFuture<StatefulRedisConnection<K, V>> next;
        synchronized (this) {
            next = waiting.pollFirst();
        }
        if (next != null) {
            borrow().whenComplete((connection, error) -> {
                if (error != null) {
                    next.completeExceptionally(error);
                } else {
                    next.complete(connection);
                }
            });
        }
    }

    /** Closes every idle connection and fails the waiters; leased ones are closed as they come back. */
    public CompletableFuture<Void> closeAsync() {
        List<StatefulRedisConnection<K, V>> toClose;
        List<CompletableFuture<StatefulRedisConnection<K, V>>> toFail;
        synchronized (this) {
            closed = true;
            toClose = new ArrayList<>(idle);
            idle.clear();
            toFail = new ArrayList<>(waiting);
            waiting.clear();
        }
        toFail.forEach(f -> f.completeExceptionally(new IllegalStateException("the MultiDbClient is closed")));
        return CompletableFuture.allOf(toClose.stream().map(StatefulRedisConnection::closeAsync).toArray(CompletableFuture[]::new));
    }
}
