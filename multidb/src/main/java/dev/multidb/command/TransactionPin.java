package dev.multidb.command;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicReference;

import io.lettuce.core.output.CommandOutput;
import io.lettuce.core.protocol.CommandType;
import io.lettuce.core.protocol.CommandWrapper;
import io.lettuce.core.protocol.CompleteableCommand;
import io.lettuce.core.protocol.RedisCommand;

import dev.multidb.OutcomeUnknownException;
import dev.multidb.TransactionAbortedException;
import dev.multidb.database.DatabaseRuntime;

/**
 * An application connection inside a transaction: from WATCH or MULTI until EXEC, DISCARD (or
 * UNWATCH outside MULTI), every command goes, unchanged and unretried, to one physical connection
 * on the database that was active when the transaction began. Lettuce's connection facade builds
 * the replies (QUEUED, {@code TransactionResult}) as on a plain connection.
 *
 * <p>If the active database changes, or the connection fails or times out, before EXEC was sent,
 * the transaction is over: its connection is closed (so the server drops what was queued), queued
 * commands and every later command up to EXEC fail with {@link TransactionAbortedException}, and
 * DISCARD is answered OK. Nothing was applied, and nothing is sent again. If EXEC itself fails
 * that way, its caller gets {@link OutcomeUnknownException}: the server may have run it.
 *
 * <p>Not thread-safe beyond what Lettuce promises for a connection in a transaction: commands of
 * other threads sent meanwhile join the transaction, as they do on a plain connection.
 */
final class TransactionPin<K, V> {

    private final DatabaseRuntime<K, V> database;
    private final SessionLink<K, V> link;
    private final AttemptExecutor<K, V> attempts;
    private final Runnable unpin;
    /** The generation of the link's connection the transaction began on (-1 before its first command). */
    private volatile int generation = -1;
    private boolean inMulti;
    /**
     * Commands queued after MULTI: when the transaction is aborted, their callers are told. Lock-free,
     * like {@link #abort}: a failure is reported on an event-loop thread that must never wait for a
     * writer holding this pin's lock.
     */
    private final Queue<RedisCommand<K, V, ?>> queued = new ConcurrentLinkedQueue<>();
    private final AtomicReference<TransactionAbortedException> aborted = new AtomicReference<>();

    TransactionPin(SessionLink<K, V> link, AttemptExecutor<K, V> attempts, Runnable unpin) {
        this.database = link.database();
        this.link = link;
        this.attempts = attempts;
        this.unpin = unpin;
    }

    /** Whether MULTI was sent (state commands are then queued, not run). */
    synchronized boolean inMulti() {
        return inMulti;
    }

    SessionLink<K, V> link() {
        return link;
    }

    /** Sends {@code command} as part of the transaction, or answers it for a transaction already aborted. */
    synchronized void write(RedisCommand<K, V, ?> command) {
        CommandType type = command.getType() instanceof CommandType t ? t : null;
        if (aborted.get() == null) {
            checkStillPinned();
        }
        if (aborted.get() != null) {
            answerAborted(command, type);
            return;
        }
        RedisCommand<K, V, ?> toSend = command;
        boolean ends = false;
        boolean untimed = false;
        if (type == CommandType.MULTI) {
            inMulti = true;
        } else if (type == CommandType.EXEC) {
            toSend = new GuardedExec<>(command, this);
            ends = true;
        } else if (type == CommandType.DISCARD) {
            ends = true;
        } else if (type == CommandType.UNWATCH && !inMulti) {
            ends = true;
        } else if (inMulti && type != CommandType.WATCH) {
            queued.add(command);
            toSend = new QueuedReply<>(command, this);
            untimed = true;
        }
        if (!ends && command instanceof CompleteableCommand<?> completeable) {
            completeable.onComplete((ignored, error) -> {
                if (error != null && isLoss(error)) {
                    abort("the connection to '" + database.name() + "' failed during the transaction, before EXEC"
                            + " was sent (" + error.getMessage() + ")", error);
                }
            });
        }
        if (generation < 0) {
            generation = link.writeFirstPinned(toSend);
        } else if (!link.writePinned(toSend, generation, untimed)) {
            abort("the connection to '" + database.name() + "' was lost during the transaction, before EXEC was sent",
                    null);
            answerAborted(command, type);
            return;
        }
        if (ends) {
            unpin.run(); // the next command goes to the active database (which is this one, unless a switch came)
        }
    }

    /** A switch, or the loss of the transaction's connection, ends the transaction before it is sent on. */
    private void checkStillPinned() {
        if (!attempts.isActive(database)) {
            abort("the active database changed from '" + database.name() + "' during the transaction, before EXEC was"
                    + " sent", null);
            return;
        }
        if (generation >= 0 && !link.holds(generation)) {
            abort("the connection to '" + database.name() + "' was lost during the transaction, before EXEC was sent",
                    null);
        }
    }

    private void abort(String why, Throwable cause) {
        TransactionAbortedException error = new TransactionAbortedException(
                why + ": nothing of it was applied, and it was not run again", cause);
        if (!aborted.compareAndSet(null, error)) {
            return;
        }
        if (generation >= 0) {
            link.dropConnection(generation); // the server drops what it queued; the link opens a new one when needed
        }
        failQueued(error);
    }

    private void failQueued(Throwable error) {
        RedisCommand<K, V, ?> command;
        while ((command = queued.poll()) != null) {
            command.completeExceptionally(error);
        }
    }

    /**
     * After an abort: the transaction's commands fail, and its end (EXEC, DISCARD) is answered, so the
     * application can go on. Outside MULTI the first command told ends it (the WATCHes are gone, and
     * the application knows); inside MULTI, Lettuce's connection stays in MULTI until EXEC or DISCARD.
     */
    private void answerAborted(RedisCommand<K, V, ?> command, CommandType type) {
        if (type == CommandType.DISCARD || type == CommandType.UNWATCH && !inMulti) {
            unpin.run();
            CommandOutput<K, V, ?> output = command.getOutput();
            if (output != null) {
                output.set(ByteBuffer.wrap("OK".getBytes(StandardCharsets.US_ASCII)));
            }
            command.complete();
            return;
        }
        if (type == CommandType.EXEC || !inMulti) {
            unpin.run();
        }
        command.completeExceptionally(aborted.get());
    }

    private static boolean isLoss(Throwable error) {
        FailureKind kind = FailureKind.of(error);
        return kind == FailureKind.CONNECTION || kind == FailureKind.TIMEOUT || kind == FailureKind.NO_CONNECTION;
    }

    /**
     * A command queued after MULTI: it completes at EXEC, however long the application takes to send
     * EXEC (as on a plain Lettuce connection), so Lettuce's timeout would cut a slow transaction. The
     * command timeout bounds only the QUEUED reply instead: a database that does not answer it
     * within that time (frozen, unreachable) still ends the transaction before EXEC.
     */
    private static final class QueuedReply<K, V, T> extends CommandWrapper<K, V, T> {
        private final java.util.concurrent.ScheduledFuture<?> timer;

        QueuedReply(RedisCommand<K, V, T> queued, TransactionPin<K, V> pin) {
            super(queued);
            java.time.Duration limit = pin.database.commandTimeout();
            this.timer = pin.attempts.scheduler().schedule(() -> queued.completeExceptionally(
                    io.lettuce.core.internal.ExceptionFactory.createTimeoutException(queued.getType().toString(), limit)),
                    limit.toNanos(), java.util.concurrent.TimeUnit.NANOSECONDS);
        }

        @Override
        protected void doOnComplete() {
            timer.cancel(false); // QUEUED (or the server's error) came back
        }

        @Override
        public boolean completeExceptionally(Throwable throwable) {
            timer.cancel(false);
            return super.completeExceptionally(throwable);
        }

        @Override
        public void cancel() {
            timer.cancel(false);
            super.cancel();
        }
    }

    /** EXEC on the pinned connection: a lost connection or a timeout leaves the outcome unknown, and says so. */
    private static final class GuardedExec<K, V, T> extends CommandWrapper<K, V, T> {
        private final TransactionPin<K, V> pin;

        GuardedExec(RedisCommand<K, V, T> exec, TransactionPin<K, V> pin) {
            super(exec);
            this.pin = pin;
        }

        @Override
        public boolean completeExceptionally(Throwable throwable) {
            Throwable told = throwable;
            if (isLoss(throwable)) {
                told = new OutcomeUnknownException("EXEC", pin.database.name(), "The transaction was not run again: the"
                        + " server may have applied it, and applying it twice would change the result.", throwable);
            }
            pin.failQueued(told);
            return super.completeExceptionally(told);
        }
    }
}
