package dev.multidb.command;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import io.lettuce.core.RedisException;
import io.lettuce.core.TransactionResult;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.protocol.CommandType;

import dev.multidb.OutcomeUnknownException;
import dev.multidb.RetryPolicy;
import dev.multidb.TransactionAbortedException;
import dev.multidb.WatchConflictException;
import dev.multidb.database.DatabaseRuntime;

/**
 * Runs a transaction pinned to one database (DESIGN rule 5): WATCH, the callback's reads, MULTI,
 * the queued writes and EXEC all go over one dedicated connection. A WATCH conflict re-runs the
 * callback; so do a failure or a switch before EXEC was sent, when the {@link AttemptExecutor}
 * allows it (MULTI only queues, so nothing of the transaction was applied; but whatever the
 * callback sent before MULTI ran at once and would run again). A failure after EXEC was sent
 * leaves the outcome unknown.
 */
public final class TransactionRunner<K, V> {

    /** How many times a transaction is tried when its watched keys keep changing. */
    public static final int MAX_CONFLICT_ATTEMPTS = 10;

    /** Connection control inside the callback: none of them changes data. */
    private static final Set<String> CONTROL = Set.of("watch", "unwatch", "multi", "discard", "exec");

    private final AttemptExecutor<K, V> attempts;

    public TransactionRunner(CommandRouter<K, V> router) {
        this.attempts = router.attempts();
    }

    @SafeVarargs
    public final TransactionResult run(Consumer<RedisCommands<K, V>> callback, K... watchKeys) {
        int conflicts = 0;
        int failures = 0;
        while (true) {
            DatabaseRuntime<K, V> database = attempts.target();
            Run run = new Run(database);
            StatefulRedisConnection<K, V> connection = null;
            boolean reusable = false;
            try {
                if (database.isCluster() && watchKeys.length == 0) {
                    throw new RedisException("a transaction on a Redis Cluster database needs a watch key: its slot"
                            + " decides the node the whole transaction runs on (all its keys must share that slot)");
                }
                connection = borrow(database, watchKeys.length == 0 ? 0 : database.slotOf(watchKeys[0]));
                RedisCommands<K, V> tx = run.commands(connection);
                if (watchKeys.length > 0) {
                    tx.watch(watchKeys);
                } else {
                    tx.multi(); // nothing to watch: everything the callback sends is queued
                }
                callback.accept(tx);
                if (!connection.isMulti()) {
                    tx.multi();
                }
                if (!attempts.isActive(database)) {
                    tx.discard(); // the client switched meanwhile: run again where traffic goes now, if allowed
                    reusable = true;
                    if (!attempts.mayRepeat(run, null)) {
                        throw new TransactionAbortedException("the active database changed before EXEC: the transaction"
                                + " was discarded on '" + database.name() + "' and not run again (" + run.whyNotRepeated()
                                + ")", null);
                    }
                    continue;
                }
                run.execSent = true;
                TransactionResult result = tx.exec();
                reusable = true;
                attempts.succeeded(database);
                if (!result.wasDiscarded()) {
                    return result;
                }
                if (++conflicts >= MAX_CONFLICT_ATTEMPTS) {
                    throw new WatchConflictException("the watched keys changed during each of " + conflicts
                            + " attempts; the transaction was not applied");
                }
                if (!run.writesBeforeMulti.isEmpty() && attempts.policy() != RetryPolicy.ALWAYS) {
                    throw new WatchConflictException("the watched keys changed; the transaction was not applied and not"
                            + " run again: the callback sent " + String.join(", ", run.writesBeforeMulti)
                            + " before MULTI; it ran at once and would run again");
                }
            } catch (RedisException e) {
                if (e instanceof WatchConflictException || e instanceof TransactionAbortedException
                        || FailureKind.of(e) == FailureKind.OTHER) {
                    // The server may still be in MULTI or WATCH for this connection: never reuse it.
                    reusable = false;
                    throw e;
                }
                AttemptExecutor.Verdict verdict = attempts.failed(run, failures, e);
                if (!verdict.retry()) {
                    Throwable error = attempts.giveUpError(run, e);
                    if (error == e && !run.execSent && attempts.policy() != RetryPolicy.ALWAYS) {
                        throw new TransactionAbortedException("the transaction failed before EXEC on '" + database.name()
                                + "' and was not run again (" + run.whyNotRepeated() + "): " + e.getMessage(), e);
                    }
                    throw error instanceof RedisException r ? r : e;
                }
                failures++;
                sleep(verdict.backoffNanos());
            } finally {
                if (connection != null) {
                    database.dedicated().release(connection, reusable);
                }
            }
        }
    }

    /**
     * One run of the callback on one connection, as the attempt executor sees it when it fails:
     * what it may have applied is whatever ran at once (the commands sent before MULTI) and,
     * once EXEC was sent, the transaction itself.
     */
    private final class Run implements AttemptExecutor.Attempt {
        private final DatabaseRuntime<K, V> database;
        /** Commands sent outside MULTI that are not known to be read-only (they ran at once). */
        private final List<String> writesBeforeMulti = new ArrayList<>();
        private boolean sentAnything;
        boolean execSent;

        Run(DatabaseRuntime<K, V> database) {
            this.database = database;
        }

        /**
         * The callback's view of the connection. It notes what runs at once (outside MULTI); and
         * MULTI while a MULTI is already open (no watch keys, so the runner sent it) answers OK
         * instead of failing as nested, so both styles of callback work.
         */
        @SuppressWarnings("unchecked")
        RedisCommands<K, V> commands(StatefulRedisConnection<K, V> connection) {
            RedisCommands<K, V> sync = connection.sync();
            return (RedisCommands<K, V>) Proxy.newProxyInstance(RedisCommands.class.getClassLoader(),
                    new Class<?>[] { RedisCommands.class }, (proxy, method, args) -> {
                        String name = method.getName();
                        if (name.equals("multi") && method.getParameterCount() == 0 && connection.isMulti()) {
                            return "OK";
                        }
                        sentAnything = true;
                        if (!connection.isMulti() && !CONTROL.contains(name) && !isReadOnly(name)) {
                            writesBeforeMulti.add(name.toUpperCase(Locale.ROOT));
                        }
                        try {
                            return method.invoke(sync, args);
                        } catch (InvocationTargetException e) {
                            throw e.getCause();
                        }
                    });
        }

        /** Read-only by the safety table, judged by the method's name (a method that is not a command counts as a write). */
        private static boolean isReadOnly(String method) {
            try {
                CommandType type = CommandType.valueOf(method.toUpperCase(Locale.ROOT));
                return CommandSafety.classify(type, null) == CommandSafety.Safety.READ_ONLY;
            } catch (IllegalArgumentException notACommand) {
                return false;
            }
        }

        String whyNotRepeated() {
            if (execSent) {
                return "EXEC was sent";
            }
            if (!writesBeforeMulti.isEmpty()) {
                return "the callback sent " + String.join(", ", writesBeforeMulti)
                        + " before MULTI; it ran at once and would run again";
            }
            return attempts.policy() == RetryPolicy.NEVER ? "retryPolicy NEVER" : "no retry left";
        }

        @Override
        public DatabaseRuntime<?, ?> database() {
            return database;
        }

        @Override
        public String name() {
            return execSent ? "EXEC" : "transaction";
        }

        @Override
        public boolean mayHaveReachedServer() {
            return sentAnything;
        }

        /** Nothing of it can have changed data: no EXEC, no write before MULTI. */
        @Override
        public boolean safeToRepeat() {
            return readOnly();
        }

        @Override
        public boolean readOnly() {
            return !execSent && writesBeforeMulti.isEmpty();
        }

        /** {@code null} for a switch: every command of the run was answered, nothing is left to land. */
        @Override
        public boolean mayLandLate(Throwable error) {
            return error != null && FailureKind.of(error) != FailureKind.OTHER;
        }

        @Override
        public boolean resendable() {
            return true; // the callback runs again from the start, on a fresh connection
        }
    }

    /** A dedicated connection within the command timeout; the wait is bounded by {@link DedicatedLeases}. */
    private StatefulRedisConnection<K, V> borrow(DatabaseRuntime<K, V> database, int slot) {
        try {
            return attempts.borrowDedicated(database, slot).get();
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RedisException r ? r : new RedisException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RedisException("interrupted", e);
        }
    }

    /** Backoff on the caller's own thread: it is waiting for the transaction anyway. */
    private static void sleep(long nanos) {
        try {
            TimeUnit.NANOSECONDS.sleep(nanos);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RedisException("interrupted", e);
        }
    }
}
