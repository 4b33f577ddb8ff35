package dev.multidb.command;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.IntConsumer;

import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.RedisException;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.protocol.RedisCommand;

import dev.multidb.CommandRetry;
import dev.multidb.RetryPolicy;
import dev.multidb.database.DatabaseRuntime;
import dev.multidb.event.EventBus;
import dev.multidb.failover.FailoverController;

/**
 * The command path: sends each application command to the active database as an attempt, and
 * hands every failed attempt to the {@link AttemptExecutor}, which decides whether it is sent
 * again. Blocking commands take a dedicated connection so they never stall the shared one.
 */
public final class CommandRouter<K, V> implements AttemptOwner<K, V> {

    private final AttemptExecutor<K, V> attempts;

    public CommandRouter(FailoverController<K, V> controller, CommandRetry retry, RetryPolicy policy,
            ScheduledExecutorService scheduler, EventBus events) {
        this.attempts = new AttemptExecutor<>(controller, retry, policy, scheduler, events);
    }

    AttemptExecutor<K, V> attempts() {
        return attempts;
    }

    /** Sends {@code command} (first attempt). The command completes when an attempt succeeds or the router gives up. */
    public <T> void route(RedisCommand<K, V, T> command) {
        send(command, 0);
    }

    private <T> void send(RedisCommand<K, V, T> command, int attempt) {
        if (command.isCancelled()) {
            return;
        }
        DatabaseRuntime<K, V> database = attempts.targetFor(command);
        if (database == null) {
            return;
        }
        if (BlockingCommands.isBlocking(command)) {
            sendBlocking(command, attempt, database);
            return;
        }
        StatefulConnection<K, V> connection = database.commandConnection();
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
        long epoch = database.dedicated().blockingEpoch();
        RoutedCommand<K, V, T> routed = new RoutedCommand<>(command, database, attempt, this, false);
        if (!attempts.isActive(database)) {
            // Traffic moved between choosing this database and reading its count of leaves (which the
            // switch raises after it moves traffic): the count cannot tell, so do not go there at all.
            routed.completeExceptionally(BlockingNotSent.left(database.name()));
            return;
        }
        Duration block = BlockingCommands.blockTime(command);
        ByteBuffer firstKey = command.getArgs() == null ? null : command.getArgs().getFirstEncodedKey();
        int slot = firstKey == null ? 0 : SlotHash.getSlot(firstKey);
        attempts.borrowDedicated(database, slot).whenComplete((connection, error) -> {
            if (error != null) {
                routed.completeExceptionally(error);
                return;
            }
            if (command.isDone()) {
                database.dedicated().release(connection, true); // the caller gave up meanwhile: pop nothing
                return;
            }
            if (!database.dedicated().blockingStarts(connection, epoch)) {
                database.dedicated().release(connection, true);
                routed.completeExceptionally(BlockingNotSent.left(database.name()));
                return;
            }
            if (command instanceof CompletableFuture<?> future) {
                // A caller that gives up must not leave the pop waiting on the server: whatever it
                // popped later would be lost. Closing the connection ends the block.
                future.whenComplete((ignoredValue, ignoredError) -> {
                    if (future.isCancelled()) {
                        connection.closeAsync();
                    }
                });
            }
            // Zero blocks forever, so no timeout of its own: abandoning the database ends it (blockingStarts).
            // Otherwise the blocking time plus the usual margin.
            connection.setTimeout(block.isZero() ? Duration.ZERO : block.plus(database.commandTimeout()));
            routed.onComplete((value, failure) -> {
                database.dedicated().blockingDone(connection);
                connection.setTimeout(database.commandTimeout());
                database.dedicated().release(connection, failure == null);
            });
            ((RedisChannelHandler<?, ?>) connection).getChannelWriter().write(routed);
        });
    }

    /**
     * Sends {@code command} over the physical connections of one application connection
     * ({@code connect()}), which carry its connection state; otherwise as {@link #route(RedisCommand)}.
     */
    <T> void route(RedisCommand<K, V, T> command, SessionWriter<K, V> session) {
        sendVia(command, 0, session);
    }

    private <T> void sendVia(RedisCommand<K, V, T> command, int attempt, SessionWriter<K, V> session) {
        if (command.isCancelled()) {
            return;
        }
        DatabaseRuntime<K, V> database = attempts.targetFor(command);
        if (database == null) {
            return;
        }
        if (BlockingCommands.isBlocking(command)) {
            session.sendBlocking(new RoutedCommand<>(command, database, attempt, session, false), BlockingCommands.blockTime(command));
            return;
        }
        // Counted, as on the shared connection: the stall watchdog sees an application's own connections too.
        RoutedCommand<K, V, T> routed = new RoutedCommand<>(command, database, attempt, session, true);
        database.dispatched.increment();
        session.link(database).write(routed);
    }

    /** An attempt failed: the executor decides between a retry and giving up. Never on the hot path. */
    @Override
    public <T> void attemptFailed(RoutedCommand<K, V, T> routed, Throwable error) {
        retryOrGiveUp(routed, error, next -> send(routed.command, next));
    }

    /** An attempt of an application connection's command failed: as {@link #attemptFailed}, resent over the same connection. */
    <T> void sessionAttemptFailed(RoutedCommand<K, V, T> routed, Throwable error, SessionWriter<K, V> session) {
        retryOrGiveUp(routed, error, next -> session.resend(List.of(routed.command), () -> sendVia(routed.command, next, session)));
    }

    private <T> void retryOrGiveUp(RoutedCommand<K, V, T> routed, Throwable error, IntConsumer resend) {
        RedisCommand<K, V, T> command = routed.command;
        if (command.isDone()) {
            return; // the application cancelled it or gave up waiting
        }
        AttemptExecutor.Verdict verdict = attempts.failed(routed, routed.attempt, error);
        if (!verdict.retry()) {
            command.completeExceptionally(attempts.giveUpError(routed, error));
            return;
        }
        int next = routed.attempt + 1;
        attempts.retryLater(List.of(command), () -> resend.accept(next), verdict.backoffNanos(), () -> { });
    }

    /** The active database changed: every retry waiting out its backoff goes now. */
    public void retryNow() {
        attempts.retryNow();
    }

    /** Fails every command waiting for a retry: the client is closing. */
    public void failAwaitingRetry() {
        attempts.failAwaitingRetry();
    }
}
