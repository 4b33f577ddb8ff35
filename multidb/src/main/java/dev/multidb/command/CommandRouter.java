package dev.multidb.command;

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
 * (DESIGN rule 4) on whatever database is active by then.
 */
public final class CommandRouter<K, V> {

    private final FailoverController<K, V> controller;
    private final CommandRetry retry;
    private final RetryPolicy policy;
    private final ScheduledExecutorService scheduler;
    private final EventBus events;

    public CommandRouter(FailoverController<K, V> controller, CommandRetry retry, RetryPolicy policy,
            ScheduledExecutorService scheduler, EventBus events) {
        this.controller = controller;
        this.retry = retry;
        this.policy = policy;
        this.scheduler = scheduler;
        this.events = events;
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
        if (attempt > 0 && command.getOutput() != null) {
            // Lettuce marks the output of a command it drops on close ("Connection closed"): the
            // output is shared by all attempts, so clear the mark before the next one.
            command.getOutput().setError((String) null);
        }
        RoutedCommand<K, V, T> routed = new RoutedCommand<>(command, database, attempt, this);
        StatefulRedisConnection<K, V> connection = database.commandConnection();
        if (connection == null || !connection.isOpen()) {
            database.reconnect(); // in the background; this attempt fails as never sent and is retried
            routed.completeExceptionally(new RedisException("Currently not connected to '" + database.name() + "'"));
            return;
        }
        database.dispatched.increment();
        // Straight to the channel writer: the facade already did Lettuce's connection-state bookkeeping.
        ((RedisChannelHandler<?, ?>) connection).getChannelWriter().write(routed);
    }

    /** An attempt failed: decide between a retry and giving up. Never on the hot path. */
    <T> void attemptFailed(RoutedCommand<K, V, T> routed, Throwable error) {
        RedisCommand<K, V, T> command = routed.command;
        if (command.isDone()) {
            return; // the application cancelled it or gave up waiting
        }
        FailureKind kind = FailureKind.of(error);
        if (kind == FailureKind.OTHER) {
            command.completeExceptionally(error);
            return;
        }
        DatabaseRuntime<K, V> database = routed.database;
        boolean tripped = false;
        for (FailureTracker tracker : database.trackers()) {
            tripped |= tracker.recordFailure(error);
        }
        if (tripped) {
            controller.tripped(database);
        }
        controller.suspect(database);

        boolean sent = routed.mayHaveBeenSent();
        boolean retryable = routed.attempt < retry.retries() && mayRetry(routed, sent);
        if (events.hasListeners()) {
            events.publish(new CommandFailedEvent(command.getType().toString(), database, error, retryable));
        }
        if (!retryable) {
            command.completeExceptionally(sent && policy == RetryPolicy.SAFE && !isSafe(routed)
                    ? new OutcomeUnknownException(command.getType().toString(), database.name(), error)
                    : error);
            return;
        }
        int next = routed.attempt + 1;
        try {
            scheduler.schedule(() -> send(command, next), retry.backoffNanos(next), TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException closed) {
            command.completeExceptionally(new IllegalStateException("the MultiDbClient is closed", error));
        }
    }

    private boolean mayRetry(RoutedCommand<K, V, ?> routed, boolean sent) {
        return switch (policy) {
            case NEVER -> false;
            case ALWAYS -> true;
            case SAFE -> !sent || isSafe(routed);
        };
    }

    private static boolean isSafe(RoutedCommand<?, ?, ?> routed) {
        return CommandSafety.classify(routed.getType(), routed.getArgs()).isRetryable();
    }
}
