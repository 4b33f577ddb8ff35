package dev.multidb.command;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import io.lettuce.core.RedisChannelWriter;
import io.lettuce.core.RedisException;
import io.lettuce.core.api.push.PushListener;
import io.lettuce.core.internal.ExceptionFactory;
import io.lettuce.core.protocol.CompleteableCommand;
import io.lettuce.core.protocol.ConnectionFacade;
import io.lettuce.core.protocol.PushHandler;
import io.lettuce.core.protocol.RedisCommand;
import io.lettuce.core.resource.ClientResources;

import dev.multidb.database.DatabaseRuntime;

/**
 * The channel writer of one application connection ({@code connect()}): Lettuce's connection
 * semantics on top of the multi-database command path. Plain commands follow the active database
 * with the client's retry rules, over physical connections of this connection's own
 * ({@link SessionLink}), which carry its state (SELECT, CLIENT SETNAME …) to every database; a
 * transaction is pinned to one of them ({@link TransactionPin}); with manual flushing, commands
 * wait for {@link #flushCommands()} and go as one pipeline.
 */
final class SessionWriter<K, V> implements RedisChannelWriter, AttemptOwner<K, V> {

    private final CommandRouter<K, V> router;
    private final ClientResources resources;
    private final Runnable ensureOpen;
    private final Consumer<SessionWriter<K, V>> onClose;
    private final SessionState state = new SessionState();
    private final Map<DatabaseRuntime<K, V>, SessionLink<K, V>> links = new ConcurrentHashMap<>();
    private final SessionPush push = new SessionPush();
    private volatile TransactionPin<K, V> pin;
    private volatile boolean autoFlush = true;
    private final List<RedisCommand<K, V, ?>> unflushed = new ArrayList<>();
    private volatile boolean closed;
    /**
     * Retries of commands sent before the transaction now open: they go when it ends. Its lock
     * also guards {@link #pin} changes, so that a retry never slips in behind a MULTI.
     */
    private final List<Deferred<K, V>> deferred = new ArrayList<>();

    private record Deferred<K, V>(List<? extends RedisCommand<K, V, ?>> commands, Runnable send) {
    }

    SessionWriter(CommandRouter<K, V> router, ClientResources resources, Runnable ensureOpen, Consumer<SessionWriter<K, V>> onClose) {
        this.router = router;
        this.resources = resources;
        this.ensureOpen = ensureOpen;
        this.onClose = onClose;
    }

    /** The push messages of this connection's physical connections (client-side caching invalidations …). */
    PushHandler pushHandler() {
        return push;
    }

    @Override
    public <K1, V1, T> RedisCommand<K1, V1, T> write(RedisCommand<K1, V1, T> command) {
        ensureOpen.run();
        @SuppressWarnings("unchecked")
        RedisCommand<K, V, T> own = (RedisCommand<K, V, T>) command;
        if (closed) {
            own.completeExceptionally(new RedisException("Connection is closed"));
            return command;
        }
        if (!autoFlush) {
            synchronized (unflushed) {
                if (!autoFlush) {
                    unflushed.add(own);
                    return command;
                }
            }
        }
        dispatch(own);
        return command;
    }

    @Override
    public <K1, V1> Collection<RedisCommand<K1, V1, ?>> write(Collection<? extends RedisCommand<K1, V1, ?>> commands) {
        List<RedisCommand<K1, V1, ?>> written = new ArrayList<>(commands.size());
        for (RedisCommand<K1, V1, ?> command : commands) {
            written.add(write(command));
        }
        return written;
    }

    private void dispatch(RedisCommand<K, V, ?> command) {
        TransactionPin<K, V> current = pin;
        if (current != null) {
            SessionCommands.Classified classified = SessionCommands.classify(command);
            if (classified.kind() == SessionCommands.Kind.STATE && !current.inMulti()) {
                // Between WATCH and MULTI it runs at once on the pinned connection, as on a plain one,
                // which remembers it: so do we, or the next database would not get it.
                rememberUntilRefused(command, classified.stateKey(), current.link());
            }
            current.write(command);
            return;
        }
        SessionCommands.Classified classified = SessionCommands.classify(command);
        switch (classified.kind()) {
            case PLAIN -> router.route(command, this);
            case STATE -> writeState(command, classified.stateKey());
            case BEGINS_TRANSACTION -> beginTransaction(command);
            case REFUSED -> command.completeExceptionally(classified.refusal());
        }
    }

    /** WATCH or MULTI: the connection is pinned to the active database until the transaction ends. */
    private void beginTransaction(RedisCommand<K, V, ?> command) {
        DatabaseRuntime<K, V> database = router.attempts().targetFor(command);
        if (database == null) {
            return;
        }
        TransactionPin<K, V>[] self = newPinHolder();
        TransactionPin<K, V> started = new TransactionPin<>(link(database), router.attempts(), () -> {
            synchronized (deferred) {
                if (pin != self[0]) {
                    return;
                }
                pin = null;
                List<Deferred<K, V>> due = new ArrayList<>(deferred);
                deferred.clear();
                due.forEach(d -> d.send().run()); // after EXEC/DISCARD, in their order
            }
        });
        self[0] = started;
        synchronized (deferred) {
            pin = started;
        }
        started.write(command);
    }

    @SuppressWarnings("unchecked")
    private static <K, V> TransactionPin<K, V>[] newPinHolder() {
        return new TransactionPin[1];
    }

    /**
     * A command that sets connection state: sent once to the active database (not retried: the
     * application sees the outcome, as on a plain connection), and remembered at once, so that every
     * physical connection used from now on gets it first; forgotten again if the server refuses it.
     */
    private void writeState(RedisCommand<K, V, ?> command, String key) {
        DatabaseRuntime<K, V> database = router.attempts().targetFor(command);
        if (database == null) {
            return;
        }
        SessionLink<K, V> link = link(database);
        link.writeState(command, rememberUntilRefused(command, key, link));
    }

    /** Remembers the state {@code command} sets, until it fails; returns the state version it makes. */
    private int rememberUntilRefused(RedisCommand<K, V, ?> command, String key, SessionLink<K, V> link) {
        SessionState.Setting setting = new SessionState.Setting(command.getType(), command.getArgs());
        SessionState.Change change = state.remember(key, setting);
        if (command instanceof CompleteableCommand<?> completeable) {
            completeable.onComplete((ignored, error) -> {
                if (error != null) {
                    int restored = state.undo(change, setting);
                    if (restored >= 0) {
                        link.stateRestored(change.version(), restored);
                    }
                }
            });
        }
        return change.version();
    }

    /**
     * Sends again a command of this connection whose attempt failed. Never into a transaction begun
     * since: on the pinned connection it would be queued (answered QUEUED, run by EXEC, dropped by
     * DISCARD) while its caller waits for its own reply; on a plain connection it went before MULTI,
     * so it goes right after the transaction ends. After close it fails (no connection is opened).
     */
    void resend(List<? extends RedisCommand<K, V, ?>> commands, Runnable send) {
        synchronized (deferred) {
            if (closed) {
                commands.forEach(c -> c.completeExceptionally(new RedisException("Connection is closed")));
                return;
            }
            if (pin != null) {
                deferred.add(new Deferred<>(commands, send));
                return;
            }
            send.run();
        }
    }

    /** The physical connection of this application connection to {@code database}, opened when first used. */
    SessionLink<K, V> link(DatabaseRuntime<K, V> database) {
        SessionLink<K, V> link = links.get(database);
        if (link != null) {
            return link;
        }
        link = links.computeIfAbsent(database, db -> new SessionLink<>(db, state, push));
        if (closed) {
            link.close(); // a write racing close(): it fails, and opens nothing that close() would miss
        }
        return link;
    }

    /**
     * A blocking command runs on this connection's own physical connection, as on a plain one (what
     * follows waits behind it), with a timeout of its blocking time plus the command timeout, and it
     * ends when its database is left (a BLPOP without a time limit would otherwise wait forever).
     */
    <T> void sendBlocking(RoutedCommand<K, V, T> routed, Duration block) {
        DatabaseRuntime<K, V> database = routed.database;
        SessionLink<K, V> link = link(database);
        ScheduledFuture<?> timer = null;
        if (!block.isZero()) {
            Duration limit = block.plus(database.commandTimeout());
            timer = router.attempts().scheduler().schedule(() -> routed.completeExceptionally(
                    ExceptionFactory.createTimeoutException(limit)), limit.toNanos(), TimeUnit.NANOSECONDS);
        }
        ScheduledFuture<?> expiry = timer;
        if (expiry != null) {
            routed.onComplete((value, error) -> expiry.cancel(false));
        }
        // Registered on the connection it goes on, when it goes: the very first command of this
        // connection waits while its physical connection opens, and a connection behind in state is
        // replaced before what waits goes; leaving the database (also as busy) then ends it.
        long epoch = database.dedicated().blockingEpoch();
        if (!router.attempts().isActive(database)) {
            // Traffic moved between choosing this database and reading its count of leaves: do not go there.
            routed.completeExceptionally(BlockingNotSent.left(database.name()));
            return;
        }
        link.writeBlocking(routed, connection -> {
            if (routed.command.isCancelled()) {
                failLater(routed, BlockingNotSent.cancelled(database.name())); // the caller gave up while it waited: pop nothing
                return false;
            }
            if (!database.dedicated().blockingStarts(connection, epoch)) {
                failLater(routed, BlockingNotSent.left(database.name())); // retried where traffic went
                return false;
            }
            routed.onComplete((value, error) -> database.dedicated().blockingDone(connection));
            return true;
        });
    }

    /**
     * Fails an attempt off the link's lock (the link asks whether to send while it holds it): what the failure
     * sets off (a retry, the caller's callbacks) may write to the link again.
     */
    private void failLater(RoutedCommand<K, V, ?> routed, Throwable error) {
        try {
            router.attempts().scheduler().execute(() -> routed.completeExceptionally(error));
        } catch (RejectedExecutionException closing) {
            routed.completeExceptionally(error);
        }
    }

    @Override
    public <T> void attemptFailed(RoutedCommand<K, V, T> attempt, Throwable error) {
        router.sessionAttemptFailed(attempt, error, this);
    }

    @Override
    public void setAutoFlushCommands(boolean autoFlush) {
        synchronized (unflushed) {
            this.autoFlush = autoFlush;
        }
        if (autoFlush) {
            flushCommands(); // nothing stays behind when flushing becomes automatic again
        }
    }

    /**
     * Sends every command written since manual flushing began. Plain commands go as one pipeline,
     * in one write to the active database, under the pipeline API's retry rules; a batch that also
     * changes connection state or opens a transaction goes command by command, in order.
     */
    @Override
    public void flushCommands() {
        List<RedisCommand<K, V, ?>> batch;
        synchronized (unflushed) {
            if (unflushed.isEmpty()) {
                return;
            }
            batch = new ArrayList<>(unflushed);
            unflushed.clear();
        }
        boolean plain = pin == null && batch.stream().allMatch(c -> !BlockingCommands.isBlocking(c)
                && SessionCommands.classify(c).kind() == SessionCommands.Kind.PLAIN);
        if (plain) {
            new PipelineExecution<>(router, batch, this).start();
        } else {
            batch.forEach(this::dispatch);
        }
    }

    @Override
    public void close() {
        closeAsync().join();
    }

    @Override
    public CompletableFuture<Void> closeAsync() {
        if (closed) {
            return CompletableFuture.completedFuture(null);
        }
        closed = true;
        List<RedisCommand<K, V, ?>> dropped;
        synchronized (unflushed) {
            dropped = new ArrayList<>(unflushed);
            unflushed.clear();
        }
        synchronized (deferred) {
            deferred.forEach(d -> dropped.addAll(d.commands()));
            deferred.clear();
        }
        dropped.forEach(c -> c.completeExceptionally(new RedisException("Connection is closed")));
        List<CompletableFuture<Void>> closing = new ArrayList<>();
        links.values().forEach(link -> closing.add(link.close()));
        onClose.accept(this);
        return CompletableFuture.allOf(closing.toArray(CompletableFuture[]::new)).handle((ok, error) -> null);
    }

    @Override
    public void setConnectionFacade(ConnectionFacade connection) {
        // Nothing to notify: the facade is never activated or deactivated by a channel.
    }

    @Override
    public ClientResources getClientResources() {
        return resources;
    }

    /** The application's push listeners, fed by every physical connection of this connection. */
    private static final class SessionPush implements PushHandler, PushListener {
        private final List<PushListener> listeners = new CopyOnWriteArrayList<>();

        @Override
        public void addListener(PushListener listener) {
            listeners.add(listener);
        }

        @Override
        public void removeListener(PushListener listener) {
            listeners.remove(listener);
        }

        @Override
        public Collection<PushListener> getPushListeners() {
            return listeners;
        }

        @Override
        public void onPushMessage(io.lettuce.core.api.push.PushMessage message) {
            for (PushListener listener : listeners) {
                listener.onPushMessage(message);
            }
        }
    }
}
