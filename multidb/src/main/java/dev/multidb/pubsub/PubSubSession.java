package dev.multidb.pubsub;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisCommandInterruptedException;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.pubsub.RedisPubSubListener;
import io.netty.util.concurrent.FastThreadLocalThread;

import dev.multidb.PubSubMessage;
import dev.multidb.failover.FailoverController;
import dev.multidb.pubsub.SubscriptionState.Change;

/**
 * The machinery behind {@link dev.multidb.MultiDbPubSub}, which documents the behaviour: a
 * user's (un)subscribe is applied and waited for here, while a {@link Follower} keeps the
 * subscriptions on the active database and a {@link MessageStream} delivers what arrives.
 *
 * <p>Internal: public only for {@code MultiDbPubSub}.
 */
public final class PubSubSession<K, V> {

    private static final System.Logger LOG = System.getLogger(PubSubSession.class.getName());

    private final FailoverController<K, V> controller;
    private final Duration timeout;
    private final SubscriptionState<K, V> state = new SubscriptionState<>();
    private final MessageStream<K, V> stream;
    private final Follower<K, V> follower;
    private final AtomicBoolean closed = new AtomicBoolean();

    /** Does nothing yet, so that a session that turns out not to be wanted needs no cleanup: see {@link #start()}. */
    public PubSubSession(FailoverController<K, V> controller, Duration timeout, int queueCapacity) {
        this.controller = controller;
        this.timeout = timeout;
        this.stream = new MessageStream<>(queueCapacity);
        this.follower = new Follower<>(controller, state, stream);
    }

    /** Starts following the active database; nothing when the session is already closed. */
    public void start() {
        follower.start();
    }

    /**
     * Subscribes or unsubscribes {@code keys} (for an unsubscribe, none means all) and waits,
     * at most the command timeout, until the server confirms.
     */
    public void change(Kind kind, boolean subscribe, K[] keys) {
        if (keys == null) {
            throw new IllegalArgumentException("keys must not be null");
        }
        if (subscribe && keys.length == 0) {
            throw new IllegalArgumentException(kind.command() + " needs at least one " + kind.noun());
        }
        for (K key : keys) {
            if (key == null) {
                throw new IllegalArgumentException(kind.noun() + " must not be null");
            }
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        Change<K, V> change = state.apply(kind, subscribe, List.copyOf(Arrays.asList(keys)));
        if (change == null) {
            return; // unsubscribe-all with nothing subscribed
        }
        try {
            awaitConfirmation(change, deadline);
        } finally {
            state.finished(change);
        }
    }

    private void awaitConfirmation(Change<K, V> change, long deadline) {
        Link<K, V> link = change.sentOn();
        CompletableFuture<Void> confirmed = change.confirmed();
        while (true) {
            if (link == null) {
                // A link installed after the change subscribed from the remembered set, which includes it.
                link = awaitLinkOtherThan(null, deadline, change);
                if (link == null) {
                    return; // closed meanwhile: nothing is subscribed any more
                }
                confirmed = link.ready();
            }
            try {
                confirmed.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                return;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new RedisCommandInterruptedException(e);
            } catch (TimeoutException e) {
                throw notConfirmed(change);
            } catch (ExecutionException e) {
                Throwable cause = Causes.unwrap(e);
                if (cause instanceof RedisCommandExecutionException refused && link == change.sentOn()) {
                    if (change.subscribe()) {
                        state.refused(change); // the server said no: do not re-subscribe it elsewhere
                    }
                    throw refused;
                }
                // The connection failed under us: the change is remembered; wait for the next connection.
                Link<K, V> failed = link;
                link = awaitLinkOtherThan(failed, deadline, change);
                if (link == null) {
                    return;
                }
                confirmed = link.ready();
            }
        }
    }

    private Link<K, V> awaitLinkOtherThan(Link<K, V> previous, long deadline, Change<K, V> change) {
        try {
            return state.awaitLinkOtherThan(previous, deadline);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RedisCommandInterruptedException(e);
        } catch (TimeoutException e) {
            throw notConfirmed(change);
        }
    }

    private RedisCommandTimeoutException notConfirmed(Change<K, V> change) {
        String why = controller.active() == null ? "no database is usable right now" : "no database confirmed";
        return new RedisCommandTimeoutException(change.kind().command().replace("SUB", "(UN)SUB") + " " + change.keys()
                + " not confirmed within " + timeout + " (" + why + "); the change is remembered and applied as soon as"
                + " a database answers");
    }

    public Set<K> subscribed(Kind kind) {
        return state.view(kind);
    }

    public PubSubMessage<K, V> getMessage(Duration timeout) {
        return stream.take(timeout);
    }

    public void addListener(RedisPubSubListener<K, V> listener) {
        stream.addListener(listener);
    }

    public void removeListener(RedisPubSubListener<K, V> listener) {
        stream.removeListener(listener);
    }

    /**
     * Closes the connections, stops following and wakes message waiters.
     *
     * @return whether this call closed the session ({@code false} when it was closed already)
     */
    public boolean close() {
        if (!closed.compareAndSet(false, true)) {
            return false;
        }
        List<Link<K, V>> closing = new ArrayList<>();
        Link<K, V> current = state.close();
        if (current != null) {
            closing.add(current);
        }
        closing.addAll(follower.stop());
        stream.close();
        List<CompletableFuture<Void>> closings = new ArrayList<>();
        for (Link<K, V> link : closing) {
            closings.add(link.retire());
        }
        try {
            // Bounded, so the subscriptions are gone when close returns; but never on a Netty thread
            // (close called from a listener): that thread would be the one to finish the close.
            if (!(Thread.currentThread() instanceof FastThreadLocalThread)) {
                CompletableFuture.allOf(closings.toArray(CompletableFuture[]::new)).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            LOG.log(Level.DEBUG, "closing the Pub/Sub connection: " + e);
        }
        return true;
    }
}
