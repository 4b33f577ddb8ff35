package dev.multidb.command;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Predicate;

import io.lettuce.core.CommandListenerWriter;
import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.RedisChannelWriter;
import io.lettuce.core.RedisConnectionException;
import io.lettuce.core.RedisException;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.push.PushListener;
import io.lettuce.core.output.VoidOutput;
import io.lettuce.core.protocol.Command;
import io.lettuce.core.protocol.CommandExpiryWriter;
import io.lettuce.core.protocol.RedisCommand;

import dev.multidb.database.DatabaseRuntime;

/**
 * The physical connection one application connection ({@code connect()}) uses on one database.
 * It is opened when first needed and brought to the application connection's {@link SessionState}
 * before any command travels on it: commands written meanwhile wait, in order, and go in one write
 * once it is ready. A connection whose state fell behind (the state changed while it was not in use)
 * is replaced by a fresh one, which then gets the whole state, as Lettuce re-applies state on reconnect.
 */
final class SessionLink<K, V> {

    private final DatabaseRuntime<K, V> database;
    private final SessionState state;
    private final PushListener push;

    private volatile StatefulRedisConnection<K, V> connection;
    /** The state version the connection has (or will have once what was written to it ran). */
    private volatile int appliedVersion = -1;
    /** Commands may go straight to the connection: it is open, and nothing waits before them. */
    private volatile boolean ready;
    // The following are guarded by this.
    private boolean preparing;
    private boolean closed;
    /** How many connections were opened here: a transaction stays on the one it began on. */
    private int generation;
    private List<Entry<K, V>> waiting = new ArrayList<>();

    /**
     * A command waiting for the connection; {@code stateVersion} >= 0 for one that sets connection
     * state; {@code onSend}, if not null, is told the connection it goes on, just before it goes,
     * and may say it must not go.
     */
    private record Entry<K, V>(RedisCommand<K, V, ?> command, int stateVersion, boolean raw,
            Predicate<StatefulRedisConnection<K, V>> onSend) {

        Entry(RedisCommand<K, V, ?> command, int stateVersion, boolean raw) {
            this(command, stateVersion, raw, null);
        }
    }

    SessionLink(DatabaseRuntime<K, V> database, SessionState state, PushListener push) {
        this.database = database;
        this.state = state;
        this.push = push;
    }

    DatabaseRuntime<K, V> database() {
        return database;
    }

    /** The physical connection now, or {@code null}; for pinning and blocking bookkeeping only. */
    StatefulRedisConnection<K, V> connection() {
        return connection;
    }

    /** Writes a command after everything written before it. */
    void write(RedisCommand<K, V, ?> command) {
        write(command, -1, false);
    }

    /**
     * Writes the first command of a transaction, and returns the generation of the connection it
     * goes on (it may be opening): the rest of the transaction must go on that same one
     * ({@link #writePinned}).
     */
    int writeFirstPinned(RedisCommand<K, V, ?> command) {
        synchronized (this) {
            write(command, -1, false);
            return generation;
        }
    }

    /**
     * Writes a command that sets connection state: once written, the connection has state
     * {@code version}.
     */
    void writeState(RedisCommand<K, V, ?> command, int version) {
        write(command, version, false);
    }

    /**
     * Writes a blocking command, below Lettuce's timeout (it sets its own). {@code onSend} is told
     * the connection it goes on just before it goes, whether that one is open now or opens later
     * (the command then waits): only then is it known which connection the command blocks. If it
     * answers {@code false}, the command is not sent (it fails the command itself).
     */
    void writeBlocking(RedisCommand<K, V, ?> command, Predicate<StatefulRedisConnection<K, V>> onSend) {
        write(new Entry<>(command, -1, true, onSend));
    }

    /**
     * Writes a command of a transaction on the connection of {@code generation}, the one the
     * transaction began on, never on a new one (a new connection has no MULTI, and would run at once
     * what the application believes queued). Returns {@code false}, writing nothing, when that
     * connection is gone.
     */
    boolean writePinned(RedisCommand<K, V, ?> command, int generation, boolean untimed) {
        synchronized (this) {
            StatefulRedisConnection<K, V> current = connection;
            if (closed || generation != this.generation) {
                return false;
            }
            if (current == null || !waiting.isEmpty()) {
                if (!preparing) {
                    return false; // the connection of this generation failed to open, or was lost
                }
                waiting.add(new Entry<>(command, -1, untimed)); // it is still opening
                return true;
            }
            if (!current.isOpen()) {
                return false;
            }
            writer(current, untimed).write(command);
            return true;
        }
    }

    /** Closes the connection of {@code generation} if it is still the one here (a transaction on it was aborted). */
    synchronized void dropConnection(int generation) {
        if (generation == this.generation && connection != null) {
            connection.closeAsync();
        }
    }

    /** Whether the connection of {@code generation} is still the one here, open or opening. */
    synchronized boolean holds(int generation) {
        StatefulRedisConnection<K, V> current = connection;
        return !closed && generation == this.generation && (current == null ? preparing : current.isOpen());
    }

    /** Several commands, in order, in one write when the connection is ready. */
    void writeAll(List<? extends RedisCommand<K, V, ?>> commands) {
        StatefulRedisConnection<K, V> current = connection;
        if (isReady(current, -1)) {
            writer(current, false).write(commands);
            return;
        }
        synchronized (this) {
            for (RedisCommand<K, V, ?> command : commands) {
                write(command, -1, false);
            }
        }
    }

    private void write(RedisCommand<K, V, ?> command, int stateVersion, boolean raw) {
        write(new Entry<>(command, stateVersion, raw));
    }

    private void write(Entry<K, V> entry) {
        StatefulRedisConnection<K, V> current = connection;
        if (isReady(current, entry.stateVersion)) {
            send(current, entry);
            return;
        }
        synchronized (this) {
            current = connection;
            if (isReady(current, entry.stateVersion)) {
                send(current, entry);
                return;
            }
            if (closed) {
                entry.command.completeExceptionally(new RedisException("the connection is closed"));
                return;
            }
            ready = false;
            waiting.add(entry);
            if (!preparing) {
                preparing = true;
                prepare();
            }
        }
    }

    /** Whether a command (setting state {@code stateVersion}, or -1) may go straight to {@code current}. */
    private boolean isReady(StatefulRedisConnection<K, V> current, int stateVersion) {
        if (!ready || current == null || !current.isOpen()) {
            return false;
        }
        int applied = appliedVersion;
        int expected = stateVersion >= 0 ? stateVersion - 1 : state.version();
        return applied == expected || stateVersion >= 0 && applied == stateVersion;
    }

    private void send(StatefulRedisConnection<K, V> target, Entry<K, V> entry) {
        if (entry.stateVersion >= 0) {
            appliedVersion = entry.stateVersion;
        }
        if (entry.onSend != null && !entry.onSend.test(target)) {
            return; // it said no, and failed the command itself
        }
        writer(target, entry.raw).write(entry.command);
    }

    /** Opens (or replaces) the connection, restores the state on it, then sends what waits. Under this. */
    private void prepare() {
        StatefulRedisConnection<K, V> current = connection;
        CompletableFuture<StatefulRedisConnection<K, V>> usable;
        if (current != null && current.isOpen() && appliedVersion == state.version()) {
            usable = CompletableFuture.completedFuture(current);
        } else {
            if (current != null) {
                current.closeAsync(); // behind in state (or lost): a fresh connection gets the whole state
                connection = null;
            }
            generation++;
            usable = open();
        }
        usable.whenComplete(this::prepared);
    }

    private CompletableFuture<StatefulRedisConnection<K, V>> open() {
        return database.connectSession().thenCompose(opened -> {
            opened.addListener(push);
            SessionState.Snapshot snapshot = state.snapshot();
            return restore(opened, snapshot).thenApply(ignored -> {
                synchronized (this) {
                    if (closed) {
                        opened.closeAsync();
                        throw new RedisException("the connection is closed");
                    }
                    connection = opened;
                    appliedVersion = snapshot.version();
                }
                return opened;
            }).whenComplete((ignored, error) -> {
                if (error != null) {
                    opened.closeAsync();
                }
            });
        });
    }

    /** Sends every remembered setting; fails if the database refuses one (then no command may run here). */
    private CompletableFuture<Void> restore(StatefulRedisConnection<K, V> opened, SessionState.Snapshot snapshot) {
        if (snapshot.settings().isEmpty()) {
            return CompletableFuture.completedFuture(null);
        }
        List<CompletableFuture<Void>> replies = new ArrayList<>();
        RedisChannelWriter target = writer(opened, false);
        for (SessionState.Setting setting : snapshot.settings()) {
            @SuppressWarnings({ "unchecked", "rawtypes" })
            Command<K, V, Void> command = new Command<>(setting.type(), new VoidOutput<>(), (io.lettuce.core.protocol.CommandArgs) setting.args());
            CompletableFuture<Void> reply = new CompletableFuture<>();
            io.lettuce.core.protocol.AsyncCommand<K, V, Void> async = new io.lettuce.core.protocol.AsyncCommand<>(command);
            async.whenComplete((ignored, error) -> {
                String refused = error instanceof io.lettuce.core.RedisCommandExecutionException ? error.getMessage()
                        : command.getOutput().getError();
                if (refused == null && error != null) {
                    reply.completeExceptionally(error); // the connection failed: not a refusal
                } else if (refused != null) {
                    reply.completeExceptionally(new RefusedSetting(setting, refused, "could not restore the connection"
                            + " state on database '" + database.name() + "': " + setting.type() + " was refused: " + refused));
                } else {
                    reply.complete(null);
                }
            });
            target.write(async);
            replies.add(reply);
        }
        return CompletableFuture.allOf(replies.toArray(CompletableFuture[]::new));
    }

    /** A remembered setting the database refused while a new connection was brought to the state. */
    private static final class RefusedSetting extends RedisException {
        final transient SessionState.Setting setting;
        final String serverError;

        RefusedSetting(SessionState.Setting setting, String serverError, String message) {
            super(message);
            this.setting = setting;
            this.serverError = serverError;
        }
    }

    /**
     * The setting refused while opening is that of a command still waiting here (the application's
     * first SELECT 99 …): the command fails with the server's own error, as on a plain connection,
     * which forgets it (see SessionWriter#writeState), and the rest waits for a connection opened
     * again with the state as it is then. Returns whether it was so.
     */
    private boolean refusedWhileWaiting(Throwable error) {
        Throwable cause = error instanceof java.util.concurrent.CompletionException && error.getCause() != null
                ? error.getCause() : error;
        if (!(cause instanceof RefusedSetting refused)) {
            return false;
        }
        Entry<K, V> owner = null;
        synchronized (this) {
            if (closed) {
                return false;
            }
            for (Entry<K, V> entry : waiting) {
                if (entry.stateVersion >= 0 && entry.command.getArgs() == refused.setting.args()) {
                    owner = entry;
                    break;
                }
            }
            if (owner == null) {
                return false;
            }
            waiting.remove(owner);
        }
        owner.command.completeExceptionally(io.lettuce.core.internal.ExceptionFactory.createExecutionException(refused.serverError));
        synchronized (this) {
            if (waiting.isEmpty() || closed) {
                preparing = false;
                List<Entry<K, V>> rest = waiting;
                waiting = new ArrayList<>();
                rest.forEach(entry -> entry.command.completeExceptionally(new RedisException("the connection is closed")));
            } else {
                // The same generation: this connection never opened, and a transaction whose MULTI waits
                // here must find it on the connection that opens now (else it would stay in MULTI there).
                open().whenComplete(this::prepared);
            }
        }
        return true;
    }

    /** The connection is ready (or could not be made so): what waits goes, in order, or fails. */
    private void prepared(StatefulRedisConnection<K, V> opened, Throwable error) {
        if (error != null && refusedWhileWaiting(error)) {
            return;
        }
        List<Entry<K, V>> toFail = null;
        synchronized (this) {
            if (error != null || closed) {
                toFail = waiting;
                waiting = new ArrayList<>();
                preparing = false;
            } else {
                List<Entry<K, V>> toSend = waiting;
                waiting = new ArrayList<>();
                for (Entry<K, V> entry : toSend) {
                    send(opened, entry);
                }
                if (appliedVersion == state.version() || waiting.isEmpty() && toSend.isEmpty()) {
                    preparing = false;
                    ready = appliedVersion == state.version();
                } else {
                    prepare(); // the state changed meanwhile: bring the connection up to date first
                }
            }
        }
        if (toFail != null) {
            Throwable cause = error instanceof java.util.concurrent.CompletionException && error.getCause() != null
                    ? error.getCause() : error;
            Throwable failure = cause != null ? cause : new RedisException("the connection is closed");
            toFail.forEach(entry -> entry.command.completeExceptionally(failure));
        }
    }

    /**
     * A state command written here with {@code failedVersion} was refused, and the state went back
     * to {@code restoredVersion}: the server state of this connection never changed, so it has the
     * restored version.
     */
    void stateRestored(int failedVersion, int restoredVersion) {
        if (appliedVersion == failedVersion) {
            appliedVersion = restoredVersion;
        }
    }

    /** Closes the connection; commands still waiting fail. */
    CompletableFuture<Void> close() {
        List<Entry<K, V>> toFail;
        StatefulRedisConnection<K, V> current;
        synchronized (this) {
            closed = true;
            ready = false;
            toFail = waiting;
            waiting = new ArrayList<>();
            current = connection;
        }
        RedisException closedError = new RedisException("the connection is closed");
        toFail.forEach(entry -> entry.command.completeExceptionally(closedError));
        return current == null ? CompletableFuture.completedFuture(null) : current.closeAsync();
    }

    private static RedisChannelWriter writer(StatefulRedisConnection<?, ?> connection, boolean untimed) {
        RedisChannelWriter writer = ((RedisChannelHandler<?, ?>) connection).getChannelWriter();
        if (!untimed) {
            return writer;
        }
        if (writer instanceof CommandListenerWriter listening) {
            writer = listening.getDelegate();
        }
        if (writer instanceof CommandExpiryWriter expiring) {
            writer = expiring.getDelegate();
        }
        return writer;
    }
}
