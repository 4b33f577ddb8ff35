package dev.multidb;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisCommandInterruptedException;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.RedisConnectionStateListener;
import io.lettuce.core.pubsub.RedisPubSubListener;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;

import dev.multidb.database.DatabaseRuntime;
import dev.multidb.failover.FailoverController;
import dev.multidb.pubsub.Kind;
import dev.multidb.pubsub.Subscriptions;

/**
 * A Pub/Sub session that follows the active database (DESIGN rule 6). Obtain one with
 * {@link MultiDbClient#pubsub()}; close it when done.
 *
 * <pre>{@code
 * try (MultiDbPubSub<String, String> ps = client.pubsub()) {
 *     ps.subscribe("events");
 *     ps.psubscribe("metrics.*");
 *     PubSubMessage<String, String> m = ps.getMessage(Duration.ofSeconds(1)); // null on timeout
 * }
 * }</pre>
 *
 * <h2>Subscriptions</h2>
 * {@link #subscribe}, {@link #psubscribe} and {@link #ssubscribe} (and their {@code un}
 * counterparts) take effect on the current active database and block until Redis confirms, at
 * most for the client's command timeout. The session remembers what is subscribed
 * ({@link #channels()}, {@link #patterns()}, {@link #shardChannels()}); a subscription is
 * remembered from the moment the call starts, even when the call then fails because no database
 * answers in time: it is applied as soon as one does. Call the matching {@code un} method to
 * drop it. A subscription the server itself refuses (an error reply, e.g. {@code SSUBSCRIBE} on
 * Redis 6) is forgotten and the error is thrown.
 *
 * <h2>Following the active database</h2>
 * When the active database changes, the session opens a Pub/Sub connection to the new database,
 * subscribes every remembered channel, pattern and shard channel there <em>first</em>, and only
 * then closes the connection to the old database. If the Pub/Sub connection is lost while the
 * active database stays the same (a connection reset, a server restart), it is re-established on
 * the active database, retrying with a short backoff while the database does not answer. While no
 * database is usable, the subscriptions are kept and re-subscribed when one becomes active. No
 * re-subscription by the application is ever needed.
 *
 * <h2>Messages</h2>
 * Data messages (channel, pattern and shard messages) from whichever connection is current, and
 * from the old connection while both are open, form one stream: {@link #getMessage(Duration)}
 * takes the next one from a queue, and every {@link #addListener listener} is called with it. The
 * queue keeps up to {@value #QUEUE_CAPACITY} messages not taken yet and then drops the oldest, so an
 * application that only uses listeners need not drain it. Listeners also see the subscription confirmations ({@code subscribed},
 * {@code psubscribed}, {@code ssubscribed}, {@code unsubscribed}, ...), including the ones of the
 * re-subscription after a switch; {@code getMessage} does not return confirmations.
 *
 * <h2>Losses and duplicates during a switch (read this)</h2>
 * Redis Pub/Sub is at-most-once: a message is delivered only to the connections subscribed at the
 * moment it is published, on the server it is published to. Following the active database does
 * not change that, so around a switch:
 * <ul>
 * <li><b>Losses.</b> Messages published to a database while this session is not (yet) subscribed
 * there are lost. In particular, when the publisher fails over to the new database before this
 * subscriber has re-subscribed there (the publisher usually notices a failure first, because it
 * sends commands), everything it publishes in that gap is lost; so is what is published to the
 * old database after this session's old connection died. Once this session has re-subscribed on
 * the database the publishers use, nothing further is lost.</li>
 * <li><b>Duplicates.</b> When the databases replicate to each other (Redis Enterprise
 * Active-Active), a message published during the overlap, when this session is subscribed on both
 * the old and the new database, can arrive twice: once from each. Applications that cannot
 * tolerate duplicates should carry an id in the message.</li>
 * <li><b>Order.</b> Messages of one connection keep their order; during the overlap, messages of
 * the old and the new connection may interleave.</li>
 * </ul>
 *
 * <p>Thread-safe. Listeners run on Lettuce's I/O threads: they must not block; an exception
 * thrown by a listener is logged and does not stop delivery to the others.
 *
 * @param <K> key (channel) type
 * @param <V> value (message) type
 */
public final class MultiDbPubSub<K, V> implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(MultiDbPubSub.class.getName());
    private static final long FIRST_RETRY_MILLIS = 50;
    private static final long MAX_RETRY_MILLIS = 1000;
    /** Messages {@link #getMessage} has not taken yet are kept up to this many; then the oldest are dropped. */
    public static final int QUEUE_CAPACITY = 65_536;
    @SuppressWarnings("rawtypes")
    private static final PubSubMessage CLOSED = new PubSubMessage<>(null, null, null, false);

    private final FailoverController<K, V> controller;
    private final Duration timeout;
    private final Runnable onClose;
    private final FailoverController.SwitchListener<K, V> switchListener = this::activeChanged;
    private final BlockingQueue<PubSubMessage<K, V>> queue = new LinkedBlockingQueue<>(QUEUE_CAPACITY);
    private final java.util.concurrent.atomic.AtomicLong dropped = new java.util.concurrent.atomic.AtomicLong();
    private final List<RedisPubSubListener<K, V>> listeners = new CopyOnWriteArrayList<>();

    private final Object lock = new Object();
    // Guarded by lock.
    private final Subscriptions<K> wanted = new Subscriptions<>();
    /** The connection subscriptions go to, or null while there is none. */
    private Link current;
    /** Connections being prepared (connected, subscribing): closed when superseded. */
    private final List<Link> pending = new ArrayList<>();
    /** Bumped by every new plan (switch, reconnect, close): an older attempt that sees a newer one gives up. */
    private long generation;
    /** The database the current plan connects to (or is connected to); null while none is usable. */
    private DatabaseRuntime<K, V> target;
    /** Whether an attempt chain for {@link #generation} is running. */
    private boolean connecting;
    private volatile boolean closed;

    /** Inert until {@link #start()}, so that the client can refuse it without cleaning up. */
    MultiDbPubSub(FailoverController<K, V> controller, Duration timeout, Runnable onClose) {
        this.controller = controller;
        this.timeout = timeout;
        this.onClose = onClose;
    }

    /** Starts following the active database; nothing when already closed. */
    void start() {
        synchronized (lock) {
            if (closed) {
                return;
            }
            // Under the lock close() sets closed under: close() cannot remove the listener before it is added.
            controller.addSwitchListener(switchListener);
            DatabaseRuntime<K, V> active = controller.active();
            if (active != null) {
                follow(active);
            }
        }
    }

    // ---------------------------------------------------------------- public API

    /**
     * Subscribes to {@code channels} on the active database and waits until Redis confirms. The
     * channels stay subscribed across switches until {@link #unsubscribe} or {@link #close()}.
     *
     * @throws IllegalStateException        after {@link #close()}
     * @throws RedisCommandTimeoutException when no database confirmed within the command timeout
     *                                      (the subscription is remembered and applied later)
     */
    @SafeVarargs
    public final void subscribe(K... channels) {
        change(Kind.CHANNEL, true, channels);
    }

    /**
     * Unsubscribes from {@code channels}, or from every channel when called without arguments,
     * and waits until Redis confirms.
     *
     * @throws IllegalStateException after {@link #close()}
     */
    @SafeVarargs
    public final void unsubscribe(K... channels) {
        change(Kind.CHANNEL, false, channels);
    }

    /**
     * Subscribes to the glob-style {@code patterns} ({@code PSUBSCRIBE}); see {@link #subscribe}.
     *
     * @throws IllegalStateException after {@link #close()}
     */
    @SafeVarargs
    public final void psubscribe(K... patterns) {
        change(Kind.PATTERN, true, patterns);
    }

    /**
     * Unsubscribes from {@code patterns}, or from every pattern when called without arguments.
     *
     * @throws IllegalStateException after {@link #close()}
     */
    @SafeVarargs
    public final void punsubscribe(K... patterns) {
        change(Kind.PATTERN, false, patterns);
    }

    /**
     * Subscribes to shard channels ({@code SSUBSCRIBE}, sharded Pub/Sub, Redis 7 or newer); their
     * messages arrive with {@link PubSubMessage#shard()} set. See {@link #subscribe}.
     *
     * @throws IllegalStateException            after {@link #close()}
     * @throws RedisCommandExecutionException   when the server does not support sharded Pub/Sub
     */
    @SafeVarargs
    public final void ssubscribe(K... shardChannels) {
        change(Kind.SHARD, true, shardChannels);
    }

    /**
     * Unsubscribes from shard channels, or from every shard channel when called without arguments.
     *
     * @throws IllegalStateException after {@link #close()}
     */
    @SafeVarargs
    public final void sunsubscribe(K... shardChannels) {
        change(Kind.SHARD, false, shardChannels);
    }

    /**
     * The next data message (channel, pattern or shard message), waiting at most {@code timeout};
     * {@code null} on timeout, after {@link #close()}, or when the calling thread is interrupted
     * (its interrupt flag is then set again). Never throws because of a database switch.
     */
    public PubSubMessage<K, V> getMessage(Duration timeout) {
        if (timeout == null) {
            throw new IllegalArgumentException("timeout must not be null");
        }
        if (closed) {
            return null;
        }
        PubSubMessage<K, V> message;
        try {
            message = queue.poll(Math.max(0, timeout.toNanos()), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
        if (message == CLOSED) {
            queue.offer(message); // wake the next waiter too
            return null;
        }
        return message;
    }

    /**
     * Adds a listener. It is called for every data message (also the ones {@link #getMessage}
     * returns) and every subscription confirmation, on a Lettuce I/O thread: it must not block.
     * Exceptions it throws are logged and ignored.
     */
    public void addListener(RedisPubSubListener<K, V> listener) {
        if (listener == null) {
            throw new IllegalArgumentException("listener must not be null");
        }
        listeners.add(listener);
    }

    /** Removes a listener added with {@link #addListener}. */
    public void removeListener(RedisPubSubListener<K, V> listener) {
        listeners.remove(listener);
    }

    /** An immutable snapshot of the subscribed channels. */
    public Set<K> channels() {
        synchronized (lock) {
            return wanted.view(Kind.CHANNEL);
        }
    }

    /** An immutable snapshot of the subscribed patterns. */
    public Set<K> patterns() {
        synchronized (lock) {
            return wanted.view(Kind.PATTERN);
        }
    }

    /** An immutable snapshot of the subscribed shard channels. */
    public Set<K> shardChannels() {
        synchronized (lock) {
            return wanted.view(Kind.SHARD);
        }
    }

    /**
     * Ends the session: closes its Pub/Sub connection(s) (which drops every subscription), stops
     * following the active database, and wakes {@link #getMessage} callers (they get
     * {@code null}). Idempotent. Afterwards the subscribe methods throw
     * {@link IllegalStateException} and {@code getMessage} returns {@code null}.
     */
    @Override
    public void close() {
        List<Link> closing = new ArrayList<>();
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
            generation++;
            connecting = false;
            target = null;
            if (current != null) {
                closing.add(current);
                current = null;
            }
            closing.addAll(pending);
            pending.clear();
            lock.notifyAll();
        }
        controller.removeSwitchListener(switchListener);
        List<CompletableFuture<Void>> closings = new ArrayList<>();
        for (Link link : closing) {
            closings.add(link.retire());
        }
        try {
            // Wait (bounded) so the subscriptions are gone when close returns; but never on a Netty
            // thread (close called from a listener): that thread would be the one to finish the close.
            if (!(Thread.currentThread() instanceof io.netty.util.concurrent.FastThreadLocalThread)) {
                CompletableFuture.allOf(closings.toArray(CompletableFuture[]::new)).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            LOG.log(System.Logger.Level.DEBUG, "closing the Pub/Sub connection: " + e);
        }
        queue.clear();
        @SuppressWarnings("unchecked")
        PubSubMessage<K, V> marker = CLOSED;
        queue.offer(marker);
        onClose.run();
    }

    // ---------------------------------------------------------------- user changes

    private void change(Kind kind, boolean subscribe, K[] keys) {
        if (keys == null) {
            throw new IllegalArgumentException("keys must not be null");
        }
        if (subscribe && keys.length == 0) {
            throw new IllegalArgumentException(kind.command() + " needs at least one " + noun(kind));
        }
        for (K key : keys) {
            if (key == null) {
                throw new IllegalArgumentException(noun(kind) + " must not be null");
            }
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        List<K> sent;
        Link seen;
        CompletableFuture<Void> sentConfirmed = null;
        synchronized (lock) {
            ensureOpen();
            if (subscribe) {
                sent = List.copyOf(Arrays.asList(keys));
                wanted.add(kind, sent);
            } else if (keys.length == 0) {
                sent = wanted.removeAll(kind);
            } else {
                sent = List.copyOf(Arrays.asList(keys));
                wanted.remove(kind, sent);
            }
            seen = current;
            if (seen != null && !sent.isEmpty()) {
                // Sent under the lock that ordered the change of wanted, so the server sees the changes in the
                // same order; cheap, as Lettuce's async dispatch only queues the command on the channel.
                sentConfirmed = subscribe ? kind.subscribe(seen.connection.async(), sent) : kind.unsubscribe(seen.connection.async(), sent);
            }
        }
        if (sent.isEmpty()) {
            return; // unsubscribe-all with nothing subscribed
        }
        Link link = seen;
        while (true) {
            if (link == null) {
                link = awaitNewLink(null, deadline, kind, sent);
                if (link == null) {
                    return; // closed meanwhile: nothing is subscribed any more
                }
            }
            // A link installed after our change re-subscribed from the remembered set, which
            // includes the change: its reconciliation confirms it. On the link we saw, send it.
            CompletableFuture<Void> confirmed = link == seen ? sentConfirmed : link.ready;
            try {
                confirmed.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                return;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new RedisCommandInterruptedException(e);
            } catch (TimeoutException e) {
                throw notConfirmed(kind, sent, null);
            } catch (ExecutionException e) {
                Throwable cause = unwrap(e);
                if (cause instanceof RedisCommandExecutionException refused && link == seen) {
                    if (subscribe) {
                        synchronized (lock) {
                            wanted.remove(kind, sent); // the server said no: do not re-subscribe it elsewhere
                        }
                    }
                    throw refused;
                }
                // The connection failed under us: the change is remembered; wait for the next connection.
                Link failed = link;
                link = awaitNewLink(failed, deadline, kind, sent);
                if (link == null) {
                    return;
                }
            }
        }
    }

    /** Waits until a connection other than {@code previous} is current; null when the session closed. */
    private Link awaitNewLink(Link previous, long deadline, Kind kind, List<K> keys) {
        synchronized (lock) {
            while (!closed && (current == null || current == previous)) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    if (controller.active() == null) {
                        controller.activeOrThrow(); // throws TemporaryUnavailable / NoValidDatabase
                    }
                    throw notConfirmed(kind, keys, null);
                }
                try {
                    TimeUnit.NANOSECONDS.timedWait(lock, left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new RedisCommandInterruptedException(e);
                }
            }
            return closed ? null : current;
        }
    }

    private RedisCommandTimeoutException notConfirmed(Kind kind, List<K> keys, Throwable cause) {
        RedisCommandTimeoutException e = new RedisCommandTimeoutException(kind.command().replace("SUB", "(UN)SUB") + " " + keys
                + " not confirmed by a database within " + timeout + "; the change is remembered and applied as soon as"
                + " a database answers");
        if (cause != null) {
            e.initCause(cause);
        }
        return e;
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("the MultiDbPubSub is closed");
        }
    }

    private static String noun(Kind kind) {
        return switch (kind) {
            case CHANNEL -> "channel";
            case PATTERN -> "pattern";
            case SHARD -> "shard channel";
        };
    }

    private static Throwable unwrap(Throwable e) {
        while ((e instanceof ExecutionException || e instanceof CompletionException) && e.getCause() != null) {
            e = e.getCause();
        }
        return e;
    }

    // ---------------------------------------------------------------- following the active database

    /** Coordinator thread: must not block. */
    private void activeChanged(DatabaseRuntime<K, V> oldActive, DatabaseRuntime<K, V> newActive) {
        synchronized (lock) {
            if (closed) {
                return;
            }
            if (newActive == null) {
                // Nothing usable: keep what we have (it may still deliver) and wait for the next active database.
                generation++;
                connecting = false;
                target = null;
                discardPending();
                return;
            }
            follow(newActive);
        }
    }

    /** Under lock: makes sure the subscriptions are (or will be) on {@code db}. */
    private void follow(DatabaseRuntime<K, V> db) {
        if (current != null && current.db == db && current.alive()) {
            if (connecting) { // e.g. switched away and back before the other database was ready
                generation++;
                connecting = false;
                discardPending();
            }
            target = db;
            return;
        }
        if (connecting && target == db) {
            return; // already on its way
        }
        generation++;
        discardPending();
        connecting = true;
        target = db;
        long planned = generation;
        attempt(db, planned, 0);
    }

    private void discardPending() {
        for (Link link : pending) {
            link.retire();
        }
        pending.clear();
    }

    /** One try to connect to {@code db} and subscribe everything there; never blocks. */
    private void attempt(DatabaseRuntime<K, V> db, long planned, int failures) {
        CompletableFuture<StatefulRedisPubSubConnection<K, V>> connecting;
        try {
            connecting = db.connectPubSub();
        } catch (RuntimeException e) {
            connecting = CompletableFuture.failedFuture(e);
        }
        connecting.whenComplete((connection, error) -> {
            if (error != null) {
                retryLater(db, planned, failures, unwrap(error));
            } else {
                prepare(db, connection, planned, failures);
            }
        });
    }

    private void prepare(DatabaseRuntime<K, V> db, StatefulRedisPubSubConnection<K, V> connection, long planned, int failures) {
        Link link = new Link(db, connection);
        Subscriptions<K> snapshot;
        synchronized (lock) {
            if (closed || planned != generation) {
                connection.closeAsync();
                return;
            }
            pending.add(link);
            snapshot = wanted.copy();
        }
        connection.addListener((RedisPubSubListener<K, V>) link);
        connection.addListener((RedisConnectionStateListener) link);
        List<CompletableFuture<Void>> subscribing = new ArrayList<>();
        for (Kind kind : Kind.values()) {
            List<K> keys = snapshot.list(kind);
            if (!keys.isEmpty()) {
                subscribing.add(kind.subscribe(connection.async(), keys).exceptionally(e -> {
                    Throwable cause = unwrap(e);
                    if (cause instanceof RedisCommandExecutionException) {
                        // The server refuses (e.g. SSUBSCRIBE on Redis 6): retrying would not help.
                        LOG.log(System.Logger.Level.ERROR, "database '" + db.name() + "' refused " + kind.command() + " "
                                + keys + ": " + cause.getMessage());
                        return null;
                    }
                    throw new CompletionException(cause);
                }));
            }
        }
        CompletableFuture.allOf(subscribing.toArray(CompletableFuture[]::new)).whenComplete((ok, error) -> {
            Link old;
            synchronized (lock) {
                pending.remove(link);
                if (closed || planned != generation) {
                    link.retire();
                    return;
                }
                if (error != null || link.lost) {
                    link.retire();
                    retryLater(db, planned, failures, error == null ? new IllegalStateException("connection lost") : unwrap(error));
                    return;
                }
                old = current;
                current = link;
                connecting = false;
                link.ready = reconcile(link, snapshot);
                lock.notifyAll();
            }
            if (old != null && old != link) {
                old.retire();
            }
            LOG.log(System.Logger.Level.INFO, "Pub/Sub subscriptions are on database '" + db.name() + "'"
                    + (old != null ? " (was '" + old.db.name() + "')" : ""));
        });
    }

    /**
     * Under lock: sends what changed in the remembered set since {@code snapshot} was subscribed on
     * {@code link}. The returned future confirms the link carries the whole remembered set.
     */
    private CompletableFuture<Void> reconcile(Link link, Subscriptions<K> snapshot) {
        List<CompletableFuture<Void>> changes = new ArrayList<>();
        for (Kind kind : Kind.values()) {
            List<K> added = wanted.minus(snapshot, kind);
            if (!added.isEmpty()) {
                changes.add(kind.subscribe(link.connection.async(), added));
            }
            List<K> removed = snapshot.minus(wanted, kind);
            if (!removed.isEmpty()) {
                changes.add(kind.unsubscribe(link.connection.async(), removed));
            }
        }
        return CompletableFuture.allOf(changes.toArray(CompletableFuture[]::new));
    }

    private void retryLater(DatabaseRuntime<K, V> db, long planned, int failures, Throwable error) {
        synchronized (lock) {
            if (closed || planned != generation) {
                return;
            }
        }
        long delay = Math.min(MAX_RETRY_MILLIS, FIRST_RETRY_MILLIS << Math.min(failures, 10));
        LOG.log(failures == 0 ? System.Logger.Level.WARNING : System.Logger.Level.DEBUG, "Pub/Sub could not subscribe on database '"
                + db.name() + "' (" + error + "); retrying in " + delay + " ms");
        // On the coordinator: when the client is closed it refuses, and the retries stop.
        controller.schedule(java.time.Duration.ofMillis(delay), () -> {
            DatabaseRuntime<K, V> next;
            synchronized (lock) {
                if (closed || planned != generation || target == null) {
                    return;
                }
                next = target;
            }
            attempt(next, planned, failures + 1);
        });
    }

    /** A connection of ours was lost (or closed). */
    private void lost(Link link) {
        DatabaseRuntime<K, V> db;
        long planned;
        synchronized (lock) {
            link.lost = true;
            if (closed || link.retired || link != current) {
                return;
            }
            current = null;
            LOG.log(System.Logger.Level.WARNING, "Pub/Sub connection to database '" + link.db.name() + "' lost; re-subscribing");
            if (connecting) {
                return; // a switch is already preparing the next connection
            }
            db = controller.active();
            if (db == null) {
                target = null;
                return; // re-subscribed when a database becomes active
            }
            generation++;
            connecting = true;
            target = db;
            planned = generation;
        }
        link.retire();
        attempt(db, planned, 0);
    }

    // ---------------------------------------------------------------- delivery

    private void enqueue(PubSubMessage<K, V> message) {
        if (closed) {
            return;
        }
        while (!queue.offer(message)) {
            if (queue.poll() != null && dropped.getAndIncrement() % QUEUE_CAPACITY == 0) {
                // Expected when the application only uses listeners: quiet then.
                LOG.log(listeners.isEmpty() ? System.Logger.Level.WARNING : System.Logger.Level.DEBUG, "getMessage() queue full ("
                        + QUEUE_CAPACITY + " messages not taken): dropping the oldest (" + dropped.get() + " dropped so far)");
            }
        }
    }

    private void notifyListeners(Consumer<RedisPubSubListener<K, V>> call) {
        if (closed) {
            return;
        }
        for (RedisPubSubListener<K, V> listener : listeners) {
            try {
                call.accept(listener);
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "Pub/Sub listener " + listener + " failed", e);
            }
        }
    }

    /** One Pub/Sub connection to one database; forwards what it receives into the one stream. */
    private final class Link implements RedisPubSubListener<K, V>, RedisConnectionStateListener {

        final DatabaseRuntime<K, V> db;
        final StatefulRedisPubSubConnection<K, V> connection;
        /** Set when installed: confirms the changes made while the link was being prepared. */
        volatile CompletableFuture<Void> ready = CompletableFuture.completedFuture(null);
        volatile boolean lost;
        volatile boolean retired;

        Link(DatabaseRuntime<K, V> db, StatefulRedisPubSubConnection<K, V> connection) {
            this.db = db;
            this.connection = connection;
        }

        boolean alive() {
            return !lost && !retired && connection.isOpen();
        }

        CompletableFuture<Void> retire() {
            retired = true;
            try {
                return connection.closeAsync();
            } catch (RuntimeException e) {
                return CompletableFuture.completedFuture(null);
            }
        }

        @Override
        public void onRedisDisconnected(RedisChannelHandler<?, ?> ignored) {
            lost(this);
        }

        @Override
        public void message(K channel, V message) {
            enqueue(new PubSubMessage<>(channel, null, message, false));
            notifyListeners(l -> l.message(channel, message));
        }

        @Override
        public void message(K pattern, K channel, V message) {
            enqueue(new PubSubMessage<>(channel, pattern, message, false));
            notifyListeners(l -> l.message(pattern, channel, message));
        }

        @Override
        public void smessage(K shardChannel, V message) {
            enqueue(new PubSubMessage<>(shardChannel, null, message, true));
            notifyListeners(l -> l.smessage(shardChannel, message));
        }

        @Override
        public void subscribed(K channel, long count) {
            notifyListeners(l -> l.subscribed(channel, count));
        }

        @Override
        public void psubscribed(K pattern, long count) {
            notifyListeners(l -> l.psubscribed(pattern, count));
        }

        @Override
        public void ssubscribed(K shardChannel, long count) {
            notifyListeners(l -> l.ssubscribed(shardChannel, count));
        }

        @Override
        public void unsubscribed(K channel, long count) {
            notifyListeners(l -> l.unsubscribed(channel, count));
        }

        @Override
        public void punsubscribed(K pattern, long count) {
            notifyListeners(l -> l.punsubscribed(pattern, count));
        }

        @Override
        public void sunsubscribed(K shardChannel, long count) {
            notifyListeners(l -> l.sunsubscribed(shardChannel, count));
        }
    }
}
