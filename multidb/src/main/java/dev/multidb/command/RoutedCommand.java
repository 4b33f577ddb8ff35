package dev.multidb.command;

import java.util.concurrent.CancellationException;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

import io.lettuce.core.output.CommandOutput;
import io.lettuce.core.protocol.CommandArgs;
import io.lettuce.core.protocol.CompleteableCommand;
import io.lettuce.core.protocol.DecoratedCommand;
import io.lettuce.core.protocol.DemandAware;
import io.lettuce.core.protocol.ProtocolKeyword;
import io.lettuce.core.protocol.RedisCommand;
import io.netty.buffer.ByteBuf;

import dev.multidb.database.DatabaseRuntime;
import java.util.Arrays;

/**
 * One attempt of an application command on one database. It shares the application command's
 * arguments and output, but keeps its outcome to itself until the router has decided: a reply
 * completes the application command; a failure goes to its {@link AttemptOwner} which
 * may send a new attempt elsewhere. It also notes whether its bytes were ever encoded for the
 * socket: a command never encoded provably never reached the server.
 */
final class RoutedCommand<K, V, T> implements RedisCommand<K, V, T>, CompleteableCommand<T>, DecoratedCommand<K, V, T>,
        DemandAware.Sink, AttemptExecutor.Attempt {

    @SuppressWarnings("rawtypes")
    private static final AtomicIntegerFieldUpdater<RoutedCommand> STATE = AtomicIntegerFieldUpdater.newUpdater(RoutedCommand.class, "state");

    // Bits of {@link #state}. One int instead of five fields keeps the object at 48 bytes, as small
    // as it was before it had to remember whether the client cut it: it is allocated per command.
    /** The outcome is decided (a reply, or a failure); set once, by compare-and-set. */
    private static final int DONE = 1;
    /** Its bytes were encoded for the socket: it may have reached the server. */
    private static final int WRITTEN = 2;
    /** The client had abandoned the connection when the attempt failed (read at that moment). */
    private static final int CUT_BY_CLIENT = 4;
    /** The outcome is recorded and the callbacks were taken (under {@code this}). */
    private static final int SETTLED = 8;
    /** It travels on the shared command connection, whose replies the stall watchdog counts. */
    private static final int COUNTED = 16;

    final RedisCommand<K, V, T> command;
    final DatabaseRuntime<K, V> database;
    final int attempt;
    private final AttemptOwner<K, V> owner;
    /** The database's abandonment count when the attempt began: a change means the client cut it. */
    private final int abandonmentsAtStart;
    private volatile int state;
    /** What Lettuce decodes this attempt's reply into: the shared output, guarded. */
    private GuardedOutput<K, V, T> output;
    /** Set before the callbacks run, under {@code this}, together with the SETTLED bit. */
    private Throwable failure;
    /** Completion callbacks (Lettuce's timeout writer registers one); touched only under {@code this}. */
    private BiConsumer<? super T, Throwable>[] callbacks;

    RoutedCommand(RedisCommand<K, V, T> command, DatabaseRuntime<K, V> database, int attempt, AttemptOwner<K, V> owner,
            boolean counted) {
        this.command = command;
        this.database = database;
        this.attempt = attempt;
        this.owner = owner;
        this.state = counted ? COUNTED : 0;
        this.abandonmentsAtStart = database.abandonments();
        CommandOutput<K, V, T> shared = command.getOutput();
        this.output = shared == null ? null : new GuardedOutput<>(shared, command.getType());
    }

    private synchronized Throwable failure() {
        return failure;
    }

    @Override
    public DatabaseRuntime<K, V> database() {
        return database;
    }

    @Override
    public String name() {
        return command.getType().toString();
    }

    /** Its bytes were encoded for the socket, and the server did not refuse it. */
    @Override
    public boolean mayHaveReachedServer() {
        Throwable failure = failure();
        return (state & WRITTEN) != 0 && !(failure instanceof RejectedByServerException)
                && !FailureKind.neverLeftClient(failure);
    }

    @Override
    public boolean safeToRepeat() {
        return CommandSafety.classify(command.getType(), command.getArgs()).isRetryable();
    }

    /**
     * The shared output is untouched by this failed attempt and will stay so (sealed): only then
     * may the command be sent again.
     */
    @Override
    public boolean resendable() {
        GuardedOutput<K, V, T> guarded = output;
        return guarded == null || guarded.seal();
    }

    @Override
    public boolean readOnly() {
        return CommandSafety.classify(command.getType(), command.getArgs()) == CommandSafety.Safety.READ_ONLY;
    }

    @Override
    public boolean mayLandLate(Throwable error) {
        return switch (FailureKind.of(error)) {
            case TIMEOUT -> true;
            case CONNECTION -> (state & CUT_BY_CLIENT) != 0;
            default -> false;
        };
    }

    @Override
    public void complete() {
        GuardedOutput<K, V, T> guarded = output;
        if (guarded != null && guarded.rejection() != null) {
            completeExceptionally(new RejectedByServerException(guarded.rejection()));
            return;
        }
        if (!markDone()) {
            return;
        }
        if ((state & COUNTED) != 0) {
            database.completed.increment();
        }
        database.trackers().recordSuccess();
        command.complete();
        notifyCallbacks(null);
    }

    @Override
    public boolean completeExceptionally(Throwable cause) {
        if (!markDone()) {
            return false;
        }
        if ((state & COUNTED) != 0) {
            database.completed.increment();
        }
        // Read now: reporting this very failure may abandon the connection (a cluster member replaces it).
        // A connection the server closed first was not cut by us, even if we closed it since.
        if (database.abandonments() != abandonmentsAtStart && !FailureKind.closedByServer(cause)) {
            STATE.getAndUpdate(this, s -> s | CUT_BY_CLIENT);
        }
        notifyCallbacks(cause);
        owner.attemptFailed(this, cause);
        return true;
    }

    /** Decides the outcome: {@code true} for the one caller that does. */
    private boolean markDone() {
        int current;
        do {
            current = state;
            if ((current & DONE) != 0) {
                return false;
            }
        } while (!STATE.compareAndSet(this, current, current | DONE));
        return true;
    }

    @Override
    public void cancel() {
        // Lettuce cancels what it drops on a reset or close; the application's own cancel goes
        // to the application command and shows in isCancelled().
        completeExceptionally(new CancellationException("command cancelled by the connection to '" + database.name() + "'"));
    }

    @Override
    public boolean isDone() {
        return (state & DONE) != 0;
    }

    @Override
    public boolean isCancelled() {
        return command.isCancelled();
    }

    @Override
    public void encode(ByteBuf buf) {
        STATE.getAndUpdate(this, s -> s | WRITTEN);
        command.encode(buf);
    }

    @Override
    public CommandOutput<K, V, T> getOutput() {
        return output;
    }

    @Override
    public void setOutput(CommandOutput<K, V, T> output) {
        command.setOutput(output);
        this.output = output == null ? null : new GuardedOutput<>(output, command.getType());
    }

    @Override
    public CommandArgs<K, V> getArgs() {
        return command.getArgs();
    }

    @Override
    public ProtocolKeyword getType() {
        return command.getType();
    }

    @Override
    public RedisCommand<K, V, T> getDelegate() {
        return command;
    }

    @Override
    public void onComplete(Consumer<? super T> action) {
        onComplete((value, error) -> {
            if (error == null) {
                action.accept(value);
            }
        });
    }

    @Override
    @SuppressWarnings("unchecked")
    public void onComplete(BiConsumer<? super T, Throwable> action) {
        Throwable outcome;
        synchronized (this) {
            if ((state & SETTLED) == 0) {
                BiConsumer<? super T, Throwable>[] grown = callbacks == null ? new BiConsumer[1]
                        : Arrays.copyOf(callbacks, callbacks.length + 1);
                grown[grown.length - 1] = action;
                callbacks = grown;
                return;
            }
            outcome = failure;
        }
        action.accept(null, outcome);
    }

    private void notifyCallbacks(Throwable cause) {
        BiConsumer<? super T, Throwable>[] toCall;
        synchronized (this) {
            failure = cause;
            STATE.getAndUpdate(this, s -> s | SETTLED);
            toCall = callbacks;
            callbacks = null;
        }
        if (toCall != null) {
            for (BiConsumer<? super T, Throwable> callback : toCall) {
                callback.accept(null, cause);
            }
        }
    }

    @Override
    public boolean hasDemand() {
        return !(command instanceof DemandAware.Sink sink) || sink.hasDemand();
    }

    @Override
    public void setSource(DemandAware.Source source) {
        if (command instanceof DemandAware.Sink sink) {
            sink.setSource(source);
        }
    }

    @Override
    public void removeSource() {
        if (command instanceof DemandAware.Sink sink) {
            sink.removeSource();
        }
    }

    @Override
    public String toString() {
        return "RoutedCommand[" + command.getType() + " on " + database.name() + ", attempt " + attempt + "]";
    }
}
