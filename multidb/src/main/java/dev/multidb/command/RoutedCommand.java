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
    private static final AtomicIntegerFieldUpdater<RoutedCommand> DONE = AtomicIntegerFieldUpdater.newUpdater(RoutedCommand.class, "done");

    final RedisCommand<K, V, T> command;
    final DatabaseRuntime<K, V> database;
    final int attempt;
    private final AttemptOwner<K, V> owner;
    /** Whether it travels on the shared command connection, whose replies the stall watchdog counts. */
    private final boolean counted;
    /** The database's abandonment count when the attempt began: a change means the client cut it. */
    private final int abandonmentsAtStart;
    /**
     * Whether the client had abandoned the connection when the attempt failed: read at that moment,
     * because reporting this very failure may abandon it (a cluster member replaces its connection).
     */
    private volatile boolean cutByClient;
    private volatile int done;
    /** What Lettuce decodes this attempt's reply into: the shared output, guarded. */
    private GuardedOutput<K, V, T> output;
    /** Set before the callbacks run, under {@code this}, together with {@link #settled}. */
    private Throwable failure;
    private volatile boolean written;
    /** Completion callbacks (Lettuce's timeout writer registers one); touched only under {@code this}. */
    private BiConsumer<? super T, Throwable>[] callbacks;
    /**
     * Whether the outcome is recorded and the callbacks were taken (under {@code this}): a callback
     * registered after that runs at once and must see the failure, so the outcome is recorded
     * together with this flag, not after {@link #done} flips.
     */
    private boolean settled;

    RoutedCommand(RedisCommand<K, V, T> command, DatabaseRuntime<K, V> database, int attempt, AttemptOwner<K, V> owner,
            boolean counted) {
        this.command = command;
        this.database = database;
        this.attempt = attempt;
        this.owner = owner;
        this.counted = counted;
        this.abandonmentsAtStart = database.abandonments();
        CommandOutput<K, V, T> shared = command.getOutput();
        this.output = shared == null ? null : new GuardedOutput<>(shared, command.getType());
    }

    /**
     * Whether the shared output is untouched by this failed attempt and will stay so: only then
     * may the command be sent again. Called after the attempt failed.
     */
    boolean outputClean() {
        GuardedOutput<K, V, T> guarded = output;
        return guarded == null || guarded.seal();
    }

    /** Whether the command may have reached the server. */
    boolean mayHaveBeenSent() {
        return written && !(failure() instanceof RejectedByServerException);
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

    @Override
    public boolean mayHaveReachedServer() {
        return mayHaveBeenSent();
    }

    @Override
    public boolean safeToRepeat() {
        return CommandSafety.classify(command.getType(), command.getArgs()).isRetryable();
    }

    @Override
    public boolean resendable() {
        return outputClean();
    }

    @Override
    public boolean readOnly() {
        return CommandSafety.classify(command.getType(), command.getArgs()) == CommandSafety.Safety.READ_ONLY;
    }

    @Override
    public boolean mayLandLate(Throwable error) {
        return switch (FailureKind.of(error)) {
            case TIMEOUT -> true;
            case CONNECTION -> cutByClient;
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
        if (!DONE.compareAndSet(this, 0, 1)) {
            return;
        }
        if (counted) {
            database.completed.increment();
        }
        database.trackers().recordSuccess();
        command.complete();
        notifyCallbacks(null);
    }

    @Override
    public boolean completeExceptionally(Throwable cause) {
        if (!DONE.compareAndSet(this, 0, 1)) {
            return false;
        }
        if (counted) {
            database.completed.increment();
        }
        cutByClient = database.abandonments() != abandonmentsAtStart;
        notifyCallbacks(cause);
        owner.attemptFailed(this, cause);
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
        return done != 0;
    }

    @Override
    public boolean isCancelled() {
        return command.isCancelled();
    }

    @Override
    public void encode(ByteBuf buf) {
        written = true;
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
            if (!settled) {
                BiConsumer<? super T, Throwable>[] grown = callbacks == null ? new BiConsumer[1]
                        : java.util.Arrays.copyOf(callbacks, callbacks.length + 1);
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
            settled = true;
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
