package dev.multidb;

import java.time.Duration;
import java.util.Set;

import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.pubsub.RedisPubSubListener;

import dev.multidb.failover.FailoverController;
import dev.multidb.pubsub.Kind;
import dev.multidb.pubsub.PubSubSession;

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
 * old database after this session's old connection died, and possibly the last message a server
 * that then died abruptly acknowledged (Redis answers {@code PUBLISH} before it writes the message
 * to the subscribers). Once this session has re-subscribed on
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

    /** Messages {@link #getMessage} has not taken yet are kept up to this many; then the oldest are dropped. */
    public static final int QUEUE_CAPACITY = 65_536;

    private final PubSubSession<K, V> session;
    private final Runnable onClose;

    /** Inert until {@link #start()}, so that the client can refuse it without cleaning up. */
    MultiDbPubSub(FailoverController<K, V> controller, Duration timeout, Runnable onClose) {
        this.session = new PubSubSession<>(controller, timeout, QUEUE_CAPACITY);
        this.onClose = onClose;
    }

    /** Starts following the active database; nothing when already closed. */
    void start() {
        session.start();
    }

    /**
     * Subscribes to {@code channels} on the active database and waits until Redis confirms. The
     * channels stay subscribed across switches until {@link #unsubscribe} or {@link #close()}.
     *
     * @param channels the channels to add
     * @throws IllegalStateException        after {@link #close()}
     * @throws RedisCommandTimeoutException when no database confirmed within the command timeout
     *                                      (the subscription is remembered and applied later)
     */
    @SafeVarargs
    public final void subscribe(K... channels) {
        session.change(Kind.CHANNEL, true, channels);
    }

    /**
     * Unsubscribes from {@code channels}, or from every channel when called without arguments,
     * and waits until Redis confirms.
     *
     * @param channels the channels to remove; none for all
     * @throws IllegalStateException after {@link #close()}
     */
    @SafeVarargs
    public final void unsubscribe(K... channels) {
        session.change(Kind.CHANNEL, false, channels);
    }

    /**
     * Subscribes to the glob-style {@code patterns} ({@code PSUBSCRIBE}); see {@link #subscribe}.
     *
     * @param patterns the patterns to add
     * @throws IllegalStateException after {@link #close()}
     */
    @SafeVarargs
    public final void psubscribe(K... patterns) {
        session.change(Kind.PATTERN, true, patterns);
    }

    /**
     * Unsubscribes from {@code patterns}, or from every pattern when called without arguments.
     *
     * @param patterns the patterns to remove; none for all
     * @throws IllegalStateException after {@link #close()}
     */
    @SafeVarargs
    public final void punsubscribe(K... patterns) {
        session.change(Kind.PATTERN, false, patterns);
    }

    /**
     * Subscribes to shard channels ({@code SSUBSCRIBE}, sharded Pub/Sub, Redis 7 or newer); their
     * messages arrive with {@link PubSubMessage#shard()} set. See {@link #subscribe}.
     *
     * @param shardChannels the shard channels to add
     * @throws IllegalStateException            after {@link #close()}
     * @throws RedisCommandExecutionException   when the server does not support sharded Pub/Sub
     */
    @SafeVarargs
    public final void ssubscribe(K... shardChannels) {
        session.change(Kind.SHARD, true, shardChannels);
    }

    /**
     * Unsubscribes from shard channels, or from every shard channel when called without arguments.
     *
     * @param shardChannels the shard channels to remove; none for all
     * @throws IllegalStateException after {@link #close()}
     */
    @SafeVarargs
    public final void sunsubscribe(K... shardChannels) {
        session.change(Kind.SHARD, false, shardChannels);
    }

    /**
     * The next data message (channel, pattern or shard message), waiting at most {@code timeout};
     * {@code null} on timeout, after {@link #close()}, or when the calling thread is interrupted
     * (its interrupt flag is then set again). Never throws because of a database switch.
     *
     * @param timeout how long to wait at most; zero or negative does not wait
     * @return the next message, or {@code null}
     * @throws IllegalArgumentException if {@code timeout} is null
     */
    public PubSubMessage<K, V> getMessage(Duration timeout) {
        if (timeout == null) {
            throw new IllegalArgumentException("timeout must not be null");
        }
        return session.getMessage(timeout);
    }

    /**
     * Adds a listener. It is called for every data message (also the ones {@link #getMessage}
     * returns) and every subscription confirmation, on a Lettuce I/O thread: it must not block.
     * Exceptions it throws are logged and ignored.
     *
     * @param listener the listener
     * @throws IllegalArgumentException if {@code listener} is null
     */
    public void addListener(RedisPubSubListener<K, V> listener) {
        if (listener == null) {
            throw new IllegalArgumentException("listener must not be null");
        }
        session.addListener(listener);
    }

    /**
     * Removes a listener added with {@link #addListener}; nothing happens if it was not added.
     *
     * @param listener the listener
     */
    public void removeListener(RedisPubSubListener<K, V> listener) {
        session.removeListener(listener);
    }

    /** {@return an immutable snapshot of the subscribed channels} */
    public Set<K> channels() {
        return session.subscribed(Kind.CHANNEL);
    }

    /** {@return an immutable snapshot of the subscribed patterns} */
    public Set<K> patterns() {
        return session.subscribed(Kind.PATTERN);
    }

    /** {@return an immutable snapshot of the subscribed shard channels} */
    public Set<K> shardChannels() {
        return session.subscribed(Kind.SHARD);
    }

    /**
     * Ends the session: closes its Pub/Sub connection(s) (which drops every subscription), stops
     * following the active database, and wakes {@link #getMessage} callers (they get
     * {@code null}). Idempotent. Afterwards the subscribe methods throw
     * {@link IllegalStateException} and {@code getMessage} returns {@code null}.
     */
    @Override
    public void close() {
        if (session.close()) {
            onClose.run();
        }
    }
}
