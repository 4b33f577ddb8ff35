package dev.multidb.command;

import java.time.Duration;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.RedisException;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.protocol.RedisCommand;

import dev.multidb.CommandFailedEvent;
import dev.multidb.CommandRetry;
import dev.multidb.OutcomeUnknownException;
import dev.multidb.RetryPolicy;
import dev.multidb.database.DatabaseRuntime;
import dev.multidb.detect.FailureTracker;
import dev.multidb.event.EventBus;
import dev.multidb.failover.FailoverController;

/**
 * The command path: sends each application command to the active database and, when an attempt
 * fails, records the failure, alerts the failover controller, and retries under the retry policy
 * (DESIGN rule 4) on whatever database is active by then. Blocking commands take a dedicated
 * connection so they never stall the shared one.
 */
public final class CommandRouter<K, V> implements AttemptOwner<K, V> {

    private final FailoverController<K, V> controller;
    private final CommandRetry retry;
    private final RetryPolicy policy;
    private final ScheduledExecutorService scheduler;
    private final EventBus events;
    private final java.util.Set<PendingRetry> awaitingRetry = java.util.concurrent.ConcurrentHashMap.newKeySet();

    public CommandRouter(FailoverController<K, V> controller, CommandRetry retry, RetryPolicy policy,
            ScheduledExecutorService scheduler, EventBus events) {
        this.controller = controller;
        this.retry = retry;
        this.policy = policy;
        this.scheduler = scheduler;
        this.events = events;
    }

    FailoverController<K, V> controller() {
        return controller;
    }

    CommandRetry retry() {
        return retry;
    }

    RetryPolicy policy() {
        return policy;
    }


    /** Sends {@code command} (first attempt). The command completes when an attempt succeeds or the router gives up. */
    public <T> void route(RedisCommand<K, V, T> command) {
        send(command, 0);
    }

    private <T> void send(RedisCommand<K, V, T> command, int attempt) {
        if (command.isCancelled()) {
            return;
        }
        DatabaseRuntime<K, V> database;
        try {
            database = controller.activeOrThrow();
        } catch (RedisException unavailable) {
            command.completeExceptionally(unavailable);
            return;
        }
        if (BlockingCommands.isBlocking(command)) {
            sendBlocking(command, attempt, database);
            return;
        }
        io.lettuce.core.api.StatefulConnection<K, V> connection = database.commandConnection();
        if (connection == null || !connection.isOpen()) {
            database.reconnect(); // in the background; this attempt fails as never sent and is retried
            new RoutedCommand<>(command, database, attempt, this, false)
                    .completeExceptionally(new RedisException("Currently not connected to '" + database.name() + "'"));
            return;
        }
        RoutedCommand<K, V, T> routed = new RoutedCommand<>(command, database, attempt, this, true);
        database.dispatched.increment();
        // Straight to the channel writer: the facade already did Lettuce's connection-state bookkeeping.
        ((RedisChannelHandler<?, ?>) connection).getChannelWriter().write(routed);
    }

    private <T> void sendBlocking(RedisCommand<K, V, T> command, int attempt, DatabaseRuntime<K, V> database) {
        RoutedCommand<K, V, T> routed = new RoutedCommand<>(command, database, attempt, this, false);
        Duration block = BlockingCommands.blockTime(command);
        java.nio.ByteBuffer firstKey = command.getArgs() == null ? null : command.getArgs().getFirstEncodedKey();
        int slot = firstKey == null ? 0 : io.lettuce.core.cluster.SlotHash.getSlot(firstKey);
        database.borrowDedicated(slot).whenComplete((connection, error) -> {
            if (error != null) {
                routed.completeExceptionally(error);
                return;
            }
            if (command.isDone()) {
                database.releaseDedicated(connection, true); // the caller gave up meanwhile: pop nothing
                return;
            }
            if (command instanceof java.util.concurrent.CompletableFuture<?> future) {
                // A caller that gives up must not leave the pop waiting on the server: whatever it
                // popped later would be lost. Closing the connection ends the block.
                future.whenComplete((ignoredValue, ignoredError) -> {
                    if (future.isCancelled()) {
                        connection.closeAsync();
                    }
                });
            }
            // Zero blocks forever, so no timeout; otherwise the blocking time plus the usual margin.
            connection.setTimeout(block.isZero() ? Duration.ZERO : block.plus(database.commandTimeout()));
            routed.onComplete((value, failure) -> {
                connection.setTimeout(database.commandTimeout());
                database.releaseDedicated(connection, failure == null);
            });
            ((RedisChannelHandler<?, ?>) connection).getChannelWriter().write(routed);
        });
    }

    /** An attempt failed: decide between a retry and giving up. Never on the hot path. */
    @Override
    public <T> void attemptFailed(RoutedCommand<K, V, T> routed, Throwable error) {
        RedisCommand<K, V, T> command = routed.command;
        if (command.isDone()) {
            return; // the application cancelled it or gave up waiting
        }
        FailureKind kind = FailureKind.of(error);
        if (kind == FailureKind.OTHER) {
            command.completeExceptionally(error);
            return;
        }
        reportFailure(routed, error);
        boolean sent = routed.mayHaveBeenSent();
        boolean retryable = routed.attempt < retry.retries() && RetryRules.mayRetry(policy, sent, routed)
                && routed.outputClean();
        if (events.hasListeners()) {
            events.publish(new CommandFailedEvent(command.getType().toString(), routed.database, error, retryable));
        }
        if (!retryable) {
            command.completeExceptionally(sent && policy == RetryPolicy.SAFE && !RetryRules.isSafe(routed)
                    ? new OutcomeUnknownException(command.getType().toString(), routed.database.name(), error)
                    : error);
            return;
        }
        int next = routed.attempt + 1;
        scheduleRetry(java.util.List.of(command), () -> send(command, next), retry.backoffNanos(next));
    }

    /**
     * Runs {@code retry} after {@code delayNanos}, or at once when the active database changes
     * meanwhile: the backoff is there to let a failover happen, so a failover ends it. Until it
     * runs, the retry is remembered, so that closing the client fails its commands at once
     * instead of leaving their callers waiting.
     */
    void scheduleRetry(java.util.List<? extends RedisCommand<K, V, ?>> commands, Runnable retry, long delayNanos) {
        scheduleRetry(commands, retry, delayNanos, () -> { });
    }

    /** As above; {@code abandoned} runs after the commands were failed because the client closed. */
    void scheduleRetry(java.util.List<? extends RedisCommand<K, V, ?>> commands, Runnable retry, long delayNanos,
            Runnable abandoned) {
        PendingRetry pending = new PendingRetry(commands, retry, abandoned);
        awaitingRetry.add(pending);
        try {
            scheduler.schedule(pending::runOnce, delayNanos, TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException closed) {
            failAwaitingRetry();
        }
    }

    /** The active database changed: every retry waiting out its backoff goes now. */
    public void retryNow() {
        for (PendingRetry pending : java.util.List.copyOf(awaitingRetry)) {
            try {
                scheduler.execute(pending::runOnce);
            } catch (RejectedExecutionException closed) {
                return;
            }
        }
    }

    /** Fails every command waiting for a retry: the client is closing. */
    public void failAwaitingRetry() {
        for (PendingRetry pending : java.util.List.copyOf(awaitingRetry)) {
            if (awaitingRetry.remove(pending)) {
                pending.commands.forEach(c -> c.completeExceptionally(
                        new IllegalStateException("the MultiDbClient was closed before the command could be retried")));
                pending.abandoned.run();
            }
        }
    }

    /** A retry that runs once, whichever comes first: its backoff, a switch, or the close that fails it. */
    private final class PendingRetry {
        final java.util.List<? extends RedisCommand<K, V, ?>> commands;
        final Runnable retry;
        final Runnable abandoned;

        PendingRetry(java.util.List<? extends RedisCommand<K, V, ?>> commands, Runnable retry, Runnable abandoned) {
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

    /** Feeds the failure detectors and asks for an immediate health check of the database. */
    void reportFailure(RoutedCommand<K, V, ?> routed, Throwable error) {
        reportFailure(routed.database, error);
    }

    void reportFailure(DatabaseRuntime<K, V> database, Throwable error) {
        FailureKind kind = FailureKind.of(error);
        if (kind == FailureKind.CONNECTION || kind == FailureKind.TIMEOUT) {
            database.commandConnectionFailed();
        }
        boolean tripped = false;
        for (FailureTracker tracker : database.trackers()) {
            tripped |= tracker.recordFailure(error);
        }
        if (tripped) {
            controller.tripped(database);
        }
        controller.suspect(database);
    }
}
