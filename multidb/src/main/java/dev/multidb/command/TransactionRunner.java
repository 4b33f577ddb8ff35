package dev.multidb.command;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

import io.lettuce.core.RedisException;
import io.lettuce.core.TransactionResult;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;

import dev.multidb.OutcomeUnknownException;
import dev.multidb.RetryPolicy;
import dev.multidb.WatchConflictException;
import dev.multidb.database.DatabaseRuntime;

/**
 * Runs a transaction pinned to one database (DESIGN rule 5): WATCH, the callback's reads, MULTI,
 * the queued writes and EXEC all go over one dedicated connection. A WATCH conflict re-runs the
 * callback; so does a failure or a switch before EXEC was sent (nothing was applied: MULTI only
 * queues). A failure after EXEC was sent leaves the outcome unknown: the caller gets
 * {@link OutcomeUnknownException} unless the retry policy is ALWAYS.
 */
public final class TransactionRunner<K, V> {

    /** How many times a transaction is tried when its watched keys keep changing. */
    public static final int MAX_CONFLICT_ATTEMPTS = 10;

    private final CommandRouter<K, V> router;

    public TransactionRunner(CommandRouter<K, V> router) {
        this.router = router;
    }

    @SafeVarargs
    public final TransactionResult run(Consumer<RedisCommands<K, V>> callback, K... watchKeys) {
        int conflicts = 0;
        int failures = 0;
        while (true) {
            DatabaseRuntime<K, V> database = router.controller().activeOrThrow();
            StatefulRedisConnection<K, V> connection = null;
            boolean reusable = false;
            boolean execSent = false;
            try {
                if (database.isCluster() && watchKeys.length == 0) {
                    throw new RedisException("a transaction on a Redis Cluster database needs a watch key: its slot"
                            + " decides the node the whole transaction runs on (all its keys must share that slot)");
                }
                connection = borrow(database, watchKeys.length == 0 ? 0 : database.slotOf(watchKeys[0]));
                RedisCommands<K, V> tx = idempotentMulti(connection);
                if (watchKeys.length > 0) {
                    tx.watch(watchKeys);
                } else {
                    tx.multi(); // nothing to watch: everything the callback sends is queued
                }
                callback.accept(tx);
                if (!connection.isMulti()) {
                    tx.multi();
                }
                if (router.controller().active() != database) {
                    tx.discard(); // the client switched meanwhile: run again where traffic goes now
                    reusable = true;
                    continue;
                }
                execSent = true;
                TransactionResult result = tx.exec();
                reusable = true;
                if (!result.wasDiscarded()) {
                    return result;
                }
                if (++conflicts >= MAX_CONFLICT_ATTEMPTS) {
                    throw new WatchConflictException("the watched keys changed during each of " + conflicts
                            + " attempts; the transaction was not applied");
                }
            } catch (NoConnectionInTime e) {
                // Nothing was sent. The usual cause is a database that stopped answering: by the next
                // attempt the client has usually left it.
                if (router.policy() == RetryPolicy.NEVER || ++failures > router.retry().retries()) {
                    throw e;
                }
                pause(failures);
            } catch (RedisException e) {
                if (e instanceof WatchConflictException || FailureKind.of(e) == FailureKind.OTHER) {
                    // The server may still be in MULTI or WATCH for this connection: never reuse it.
                    reusable = false;
                    throw e;
                }
                router.reportFailure(database, e);
                boolean mayRepeat = !execSent || router.policy() == RetryPolicy.ALWAYS;
                if (!mayRepeat) {
                    throw new OutcomeUnknownException("EXEC", database.name(), e);
                }
                if (router.policy() == RetryPolicy.NEVER || ++failures > router.retry().retries()) {
                    throw e;
                }
                pause(failures);
            } finally {
                if (connection != null) {
                    database.releaseDedicated(connection, reusable);
                }
            }
        }
    }

    /**
     * The callback's view of the connection: MULTI when a MULTI is already open (no watch keys, so
     * the runner sent it) answers OK instead of failing as nested, so both styles of callback work.
     */
    @SuppressWarnings("unchecked")
    private RedisCommands<K, V> idempotentMulti(StatefulRedisConnection<K, V> connection) {
        RedisCommands<K, V> sync = connection.sync();
        return (RedisCommands<K, V>) java.lang.reflect.Proxy.newProxyInstance(RedisCommands.class.getClassLoader(),
                new Class<?>[] { RedisCommands.class }, (proxy, method, args) -> {
                    if (method.getName().equals("multi") && method.getParameterCount() == 0 && connection.isMulti()) {
                        return "OK";
                    }
                    try {
                        return method.invoke(sync, args);
                    } catch (java.lang.reflect.InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    private StatefulRedisConnection<K, V> borrow(DatabaseRuntime<K, V> database, int slot) {
        java.util.concurrent.CompletableFuture<StatefulRedisConnection<K, V>> lease = database.borrowDedicated(slot);
        try {
            return lease.get(database.commandTimeout().toMillis() * 2, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RedisException r ? r : new RedisException(e.getCause());
        } catch (TimeoutException e) {
            if (database.isCluster()) {
                lease.thenAccept(late -> database.releaseDedicated(late, false)); // not pooled: close it when it arrives
            } else if (!lease.cancel(false)) { // a connection that arrives later goes to the next borrower
                lease.thenAccept(late -> database.releaseDedicated(late, true)); // it arrived just now: give it back
            }
            throw new NoConnectionInTime("no dedicated connection to '" + database.name() + "' became free in time"
                    + " (at most " + DatabaseRuntime.DEDICATED_CONNECTIONS + " per database)");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RedisException("interrupted", e);
        }
    }

    /** No dedicated connection could be had within twice the command timeout: nothing was sent. */
    private static final class NoConnectionInTime extends RedisException {
        NoConnectionInTime(String message) {
            super(message);
        }
    }

    private void pause(int failure) {
        long nanos = router.retry().backoffNanos(failure);
        try {
            TimeUnit.NANOSECONDS.sleep(nanos); // backoff on the caller's own thread: it is waiting for us anyway
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RedisException("interrupted", e);
        }
    }
}
