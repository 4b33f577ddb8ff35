package dev.multidb.command;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import io.lettuce.core.RedisException;
import io.lettuce.core.api.StatefulRedisConnection;

import dev.multidb.database.DatabaseRuntime;
import dev.multidb.database.DedicatedLending;

/**
 * Borrows a dedicated connection (a transaction, a blocking command) within a time bound, so that
 * a caller never waits without limit for a pool whose connections are all stuck on a frozen
 * database (DESIGN rule 11). A connection that arrives after the borrower gave up goes back to the
 * pool (or, for a cluster node, is closed), never lost.
 */
final class DedicatedLeases {

    private DedicatedLeases() {
    }

    /** No dedicated connection became free within the bound: nothing was sent. */
    static final class NoConnectionInTime extends RedisException {
        NoConnectionInTime(String message) {
            super(message);
        }
    }

    static <K, V> CompletableFuture<StatefulRedisConnection<K, V>> borrow(DatabaseRuntime<K, V> database, int slot,
            Duration bound, ScheduledExecutorService timer) {
        CompletableFuture<StatefulRedisConnection<K, V>> lease = database.dedicated().borrow(slot);
        if (lease.isDone()) {
            return lease;
        }
        CompletableFuture<StatefulRedisConnection<K, V>> result = new CompletableFuture<>();
        ScheduledFuture<?> deadline;
        try {
            deadline = timer.schedule(() -> giveUp(database, lease, result, bound), bound.toNanos(), TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException closed) {
            lease.cancel(false);
            return CompletableFuture.failedFuture(new IllegalStateException("the MultiDbClient is closed"));
        }
        lease.whenComplete((connection, error) -> {
            deadline.cancel(false);
            if (error != null) {
                result.completeExceptionally(error);
            } else {
                result.complete(connection); // if the deadline won, giveUp hands the connection back
            }
        });
        return result;
    }

    private static <K, V> void giveUp(DatabaseRuntime<K, V> database, CompletableFuture<StatefulRedisConnection<K, V>> lease,
            CompletableFuture<StatefulRedisConnection<K, V>> result, Duration bound) {
        boolean gaveUp = result.completeExceptionally(new NoConnectionInTime("no dedicated connection to '" + database.name()
                + "' became free within " + bound.toMillis() + " ms (at most " + DedicatedLending.POOL_SIZE
                + " per database); nothing was sent"));
        if (!gaveUp) {
            return;
        }
        if (database.isCluster()) {
            lease.thenAccept(late -> database.dedicated().release(late, false)); // not pooled: close it when it arrives
        } else if (!lease.cancel(false)) { // a connection that arrives later goes to the next borrower
            lease.thenAccept(late -> database.dedicated().release(late, true)); // it arrived just now: give it back
        }
    }
}
