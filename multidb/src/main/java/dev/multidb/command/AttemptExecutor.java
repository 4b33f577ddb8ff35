package dev.multidb.command;

import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.protocol.RedisCommand;

import dev.multidb.CommandFailedEvent;
import dev.multidb.CommandRetry;
import dev.multidb.OutcomeUnknownException;
import dev.multidb.RetryPolicy;
import dev.multidb.database.DatabaseRuntime;
import dev.multidb.event.EventBus;
import dev.multidb.failover.FailoverController;

/**
 * The one place that decides what follows an attempt, for single commands, blocking commands,
 * pipelines and transactions alike (DESIGN rule 4). Every failed attempt passes through
 * {@link #failed} or {@link #failedTogether}, which
 * <ol>
 * <li>feeds the database's failure detectors and asks the failover controller for a health check,</li>
 * <li>decides between a retry and giving up, from the retry policy, the safety table, whether the
 * attempt may have reached the server, and whether its output can take another reply,</li>
 * <li>publishes one {@link CommandFailedEvent} per failed command, and</li>
 * <li>says what the caller gets when it gives up: the error, or {@link OutcomeUnknownException}.</li>
 * </ol>
 * Successes reach the detectors through {@link #succeeded}. Retries wait out their backoff here too,
 * and go at once when the active database changes.
 */
public final class AttemptExecutor<K, V> {

    private final FailoverController<K, V> controller;
    private final CommandRetry retry;
    private final RetryPolicy policy;
    private final ScheduledExecutorService scheduler;
    private final EventBus events;
    private final Set<PendingRetry> awaitingRetry = ConcurrentHashMap.newKeySet();

    AttemptExecutor(FailoverController<K, V> controller, CommandRetry retry, RetryPolicy policy,
            ScheduledExecutorService scheduler, EventBus events) {
        this.controller = controller;
        this.retry = retry;
        this.policy = policy;
        this.scheduler = scheduler;
        this.events = events;
    }

    /** The database the next attempt goes to; throws TemporaryUnavailable/NoValidDatabase when none is usable. */
    DatabaseRuntime<K, V> target() {
        return controller.activeOrThrow();
    }

    /**
     * The database {@code command} goes to now, or {@code null} when none is usable: then the
     * command has failed with TemporaryUnavailable/NoValidDatabase.
     */
    DatabaseRuntime<K, V> targetFor(RedisCommand<?, ?, ?> command) {
        try {
            return controller.activeOrThrow();
        } catch (io.lettuce.core.RedisException unavailable) {
            command.completeExceptionally(unavailable);
            return null;
        }
    }

    /** A dedicated connection to {@code database} within the command timeout (see {@link DedicatedLeases}). */
    CompletableFuture<StatefulRedisConnection<K, V>> borrowDedicated(DatabaseRuntime<K, V> database, int slot) {
        return DedicatedLeases.borrow(database, slot, database.commandTimeout(), scheduler);
    }

    /** Whether {@code database} still carries the traffic. */
    boolean isActive(DatabaseRuntime<K, V> database) {
        return controller.active() == database;
    }

    RetryPolicy policy() {
        return policy;
    }

    /** The client's scheduler (timers of commands that bring their own, such as blocking ones). */
    ScheduledExecutorService scheduler() {
        return scheduler;
    }

    /** One failed attempt as the decision sees it. */
    interface Attempt {
        DatabaseRuntime<?, ?> database();

        /** What failed, for events and errors: {@code INCR}, {@code EXEC}. */
        String name();

        /** Whether the attempt's bytes may have reached the server (a refusal is an answer that nothing ran). */
        boolean mayHaveReachedServer();

        /** Whether applying it twice leaves the same state (read-only or idempotent). */
        boolean safeToRepeat();

        /** Whether it changes nothing at all, so that even a late application does no harm. */
        boolean readOnly();

        /**
         * Whether the server may still apply it after it failed with {@code error}: a timeout, or
         * a connection the client closed itself; not when the server closed or reset it.
         */
        boolean mayLandLate(Throwable error);

        /**
         * Whether a new attempt can start from a clean slate (its output took nothing of this
         * attempt's reply, and never will). Called only when every other condition allows a retry.
         */
        boolean resendable();
    }

    /** The verdict on failed attempts: retry after {@code backoffNanos}, or give up. */
    record Verdict(boolean retry, long backoffNanos) {
        static final Verdict GIVE_UP = new Verdict(false, 0);
    }

    /**
     * Records one failed attempt (number {@code attemptNumber}, 0 for the first) and decides.
     * An error that is not the database's fault (the command could not be encoded, the server
     * answered with an error) is given up on and fed to nobody.
     */
    Verdict failed(Attempt attempt, int attemptNumber, Throwable error) {
        return failedTogether(List.of(attempt), attemptNumber, error);
    }

    /**
     * Records the failed attempts of one batch (a pipeline round) sent to one database, and decides
     * for all of them at once: they are retried together, in order, only if every one of them may be.
     */
    Verdict failedTogether(List<? extends Attempt> attempts, int attemptNumber, Throwable error) {
        FailureKind kind = FailureKind.of(error);
        if (attempts.isEmpty() || kind == FailureKind.OTHER) {
            return Verdict.GIVE_UP;
        }
        if (kind != FailureKind.NO_CONNECTION) {
            reportFailures(attempts.get(0).database(), attempts.size(), error);
        }
        boolean retryable = attemptNumber < retry.retries();
        for (int i = 0; retryable && i < attempts.size(); i++) {
            Attempt attempt = attempts.get(i);
            retryable = mayRepeat(attempt, error) && attempt.resendable();
        }
        if (events.hasListeners()) {
            for (Attempt attempt : attempts) {
                events.publish(new CommandFailedEvent(attempt.name(), attempt.database().view(), error, retryable));
            }
        }
        return retryable ? new Verdict(true, retry.backoffNanos(attemptNumber + 1)) : Verdict.GIVE_UP;
    }

    /** What the caller of a failed attempt that is not retried gets. */
    Throwable giveUpError(Attempt attempt, Throwable error) {
        boolean guarded = policy == RetryPolicy.SAFE || policy == RetryPolicy.IDEMPOTENT;
        if (!guarded || !attempt.mayHaveReachedServer() || FailureKind.of(error) == FailureKind.OTHER
                || mayRepeat(attempt, error)) {
            return error; // not sent, not the database's fault, or repeatable and merely out of retries
        }
        String why = attempt.safeToRepeat()
                ? "It was not retried because the server may still apply it late (it was cut off, not closed by the"
                        + " server), and a late copy can overwrite newer writes; use RetryPolicy.IDEMPOTENT to retry"
                        + " idempotent writes anyway."
                : "It was not retried because applying it twice would change the result; use"
                        + " RetryPolicy.ALWAYS to retry such commands anyway.";
        return new OutcomeUnknownException(attempt.name(), attempt.database().name(), why, error);
    }

    /**
     * Whether the retry policy lets a failed attempt be done again: never under NEVER; always
     * under ALWAYS; when it never reached the server under the others; and when it did, under
     * IDEMPOTENT if repeating it is harmless, under SAFE if it is read-only or an idempotent write
     * the server can no longer apply late.
     */
    boolean mayRepeat(Attempt attempt, Throwable error) {
        if (policy == RetryPolicy.NEVER) {
            return false;
        }
        if (!attempt.mayHaveReachedServer()) {
            return true;
        }
        return switch (policy) {
            case ALWAYS -> true;
            case IDEMPOTENT -> attempt.safeToRepeat();
            case SAFE -> attempt.readOnly() || attempt.safeToRepeat() && !attempt.mayLandLate(error);
            case NEVER -> false;
        };
    }

    /** An attempt on {@code database} succeeded: the failure detectors count it. */
    void succeeded(DatabaseRuntime<K, V> database) {
        database.trackers().recordSuccess();
    }

    /**
     * Feeds {@code count} failures to the database's failure detectors, and asks for an immediate
     * health check of it (once: the check is about the database, not about each command).
     */
    @SuppressWarnings("unchecked")
    private void reportFailures(DatabaseRuntime<?, ?> failedDatabase, int count, Throwable error) {
        DatabaseRuntime<K, V> database = (DatabaseRuntime<K, V>) failedDatabase;
        FailureKind kind = FailureKind.of(error);
        if (kind == FailureKind.CONNECTION || kind == FailureKind.TIMEOUT) {
            database.commandConnectionFailed();
        }
        boolean tripped = false;
        for (int i = 0; i < count; i++) {
            tripped |= database.trackers().recordFailure(error);
        }
        if (tripped) {
            controller.tripped(database);
        }
        controller.suspect(database);
    }

    /**
     * Runs {@code retry} after {@code delayNanos}, or at once when the active database changes
     * meanwhile: the backoff is there to let a failover happen, so a failover ends it. Until it
     * runs, the retry is remembered, so that closing the client fails its commands at once
     * instead of leaving their callers waiting; {@code abandoned} runs after that.
     */
    void retryLater(List<? extends RedisCommand<K, V, ?>> commands, Runnable retry, long delayNanos, Runnable abandoned) {
        PendingRetry pending = new PendingRetry(commands, retry, abandoned);
        awaitingRetry.add(pending);
        try {
            scheduler.schedule(pending::runOnce, delayNanos, TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException closed) {
            failAwaitingRetry();
        }
    }

    /** The active database changed: every retry waiting out its backoff goes now. */
    void retryNow() {
        for (PendingRetry pending : List.copyOf(awaitingRetry)) {
            try {
                scheduler.execute(pending::runOnce);
            } catch (RejectedExecutionException closed) {
                return;
            }
        }
    }

    /** Fails every command waiting for a retry: the client is closing. */
    void failAwaitingRetry() {
        for (PendingRetry pending : List.copyOf(awaitingRetry)) {
            if (awaitingRetry.remove(pending)) {
                pending.commands.forEach(c -> c.completeExceptionally(
                        new IllegalStateException("the MultiDbClient was closed before the command could be retried")));
                pending.abandoned.run();
            }
        }
    }

    /** A retry that runs once, whichever comes first: its backoff, a switch, or the close that fails it. */
    private final class PendingRetry {
        final List<? extends RedisCommand<K, V, ?>> commands;
        final Runnable retry;
        final Runnable abandoned;

        PendingRetry(List<? extends RedisCommand<K, V, ?>> commands, Runnable retry, Runnable abandoned) {
            this.commands = commands;
            this.retry = retry;
            this.abandoned = abandoned;
        }

        void runOnce() {
            if (awaitingRetry.remove(this)) {
                retry.run();
            }
        }
    }
}
