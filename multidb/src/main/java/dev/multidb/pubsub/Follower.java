package dev.multidb.pubsub;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;

import dev.multidb.database.DatabaseRuntime;
import dev.multidb.failover.FailoverController;

/**
 * Keeps a session's subscriptions on the active database (DESIGN rule 6). On a switch, or when
 * the connection is lost, it connects to the target database, subscribes everything there, and
 * only then installs the new connection and retires the old one, so the stream has no gap that
 * the old connection could have covered. It retries with a backoff while the target does not
 * answer, and gives up on a plan as soon as a newer one (another switch, close) supersedes it.
 *
 * <p>Lock order: this follower's lock, then the {@link SubscriptionState}'s.
 */
final class Follower<K, V> {

    private static final System.Logger LOG = System.getLogger(Follower.class.getName());
    private static final long FIRST_RETRY_MILLIS = 50;
    private static final long MAX_RETRY_MILLIS = 1000;

    private final FailoverController<K, V> controller;
    private final SubscriptionState<K, V> state;
    private final MessageStream<K, V> stream;
    private final FailoverController.SwitchListener<K, V> switchListener = this::activeChanged;

    private final Object lock = new Object();
    // Everything below is guarded by lock.
    /** Connections being prepared (connected, subscribing): closed when superseded. */
    private final List<Link<K, V>> pending = new ArrayList<>();
    /** Bumped by every new plan: an attempt that sees a newer one gives up. */
    private long generation;
    /** The database the current plan connects to (or is connected to); null while none is usable. */
    private DatabaseRuntime<K, V> target;
    /** Whether an attempt chain for {@link #generation} is running. */
    private boolean connecting;
    private boolean stopped;

    Follower(FailoverController<K, V> controller, SubscriptionState<K, V> state, MessageStream<K, V> stream) {
        this.controller = controller;
        this.state = state;
        this.stream = stream;
    }

    /** Starts following; nothing when already stopped, so a session closed before it started stays closed. */
    void start() {
        synchronized (lock) {
            if (stopped) {
                return;
            }
            // Registered before reading active(), under the lock: a switch in between is applied after us, not lost.
            controller.addSwitchListener(switchListener);
            DatabaseRuntime<K, V> active = controller.active();
            if (active != null) {
                follow(active);
            }
        }
    }

    /** Stops following for good; returns the connections being prepared, for the caller to close. */
    List<Link<K, V>> stop() {
        List<Link<K, V>> abandoned;
        synchronized (lock) {
            stopped = true;
            generation++;
            connecting = false;
            target = null;
            abandoned = List.copyOf(pending);
            pending.clear();
        }
        // After stopped is set: start() cannot register the listener again behind our back.
        controller.removeSwitchListener(switchListener);
        return abandoned;
    }

    /** On the coordinator thread: must not block. */
    private void activeChanged(DatabaseRuntime<K, V> oldActive, DatabaseRuntime<K, V> newActive) {
        synchronized (lock) {
            if (stopped) {
                return;
            }
            if (newActive == null) {
                // Keep the current connection (it may still deliver) and wait for the next active database.
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
        if (state.carriedBy(db)) {
            if (connecting) { // e.g. switched away and back before the other database was ready
                generation++;
                connecting = false;
                discardPending();
            }
            target = db;
            return;
        }
        if (connecting && target == db) {
            return;
        }
        generation++;
        discardPending();
        connecting = true;
        target = db;
        attempt(db, generation, 0);
    }

    private void discardPending() {
        for (Link<K, V> link : pending) {
            link.retire();
        }
        pending.clear();
    }

    /** One try to connect to {@code db} and subscribe everything there; never blocks. */
    private void attempt(DatabaseRuntime<K, V> db, long planned, int failures) {
        CompletableFuture<StatefulRedisPubSubConnection<K, V>> connected;
        try {
            connected = db.connectPubSub();
        } catch (RuntimeException e) {
            connected = CompletableFuture.failedFuture(e);
        }
        connected.whenComplete((connection, error) -> {
            if (error != null) {
                retryLater(db, planned, failures, Causes.unwrap(error));
            } else {
                prepare(db, connection, planned, failures);
            }
        });
    }

    private void prepare(DatabaseRuntime<K, V> db, StatefulRedisPubSubConnection<K, V> connection, long planned, int failures) {
        Link<K, V> link = new Link<>(db, connection, this::lost);
        Subscriptions<K> snapshot;
        synchronized (lock) {
            if (stopped || planned != generation) {
                connection.closeAsync();
                return;
            }
            pending.add(link);
            snapshot = state.snapshot();
        }
        link.listen(stream);
        // Outside the locks: nobody else writes to a link that is not current yet.
        List<CompletableFuture<Void>> subscribing = new ArrayList<>();
        for (Kind kind : Kind.values()) {
            List<K> keys = snapshot.list(kind);
            if (!keys.isEmpty()) {
                subscribing.add(link.resubscribe(kind, keys));
            }
        }
        CompletableFuture.allOf(subscribing.toArray(CompletableFuture[]::new))
                .whenComplete((ok, error) -> subscribed(link, snapshot, planned, failures, error));
    }

    private void subscribed(Link<K, V> link, Subscriptions<K> snapshot, long planned, int failures, Throwable error) {
        Link<K, V> replaced;
        synchronized (lock) {
            pending.remove(link);
            if (stopped || planned != generation) {
                link.retire();
                return;
            }
            if (error != null || link.lost()) {
                link.retire();
                retryLater(link.db, planned, failures, error == null ? new IllegalStateException("connection lost") : Causes.unwrap(error));
                return;
            }
            replaced = state.install(link, snapshot);
            connecting = false;
        }
        if (replaced != null) {
            replaced.retire();
        }
        if (replaced != link) {
            LOG.log(Level.INFO, "Pub/Sub subscriptions are on database '" + link.db.name() + "'"
                    + (replaced != null ? " (was '" + replaced.db.name() + "')" : ""));
        }
    }

    private void retryLater(DatabaseRuntime<K, V> db, long planned, int failures, Throwable error) {
        synchronized (lock) {
            if (stopped || planned != generation) {
                return;
            }
        }
        long delay = Math.min(MAX_RETRY_MILLIS, FIRST_RETRY_MILLIS << Math.min(failures, 10));
        LOG.log(failures == 0 ? Level.WARNING : Level.DEBUG, "Pub/Sub could not subscribe on database '" + db.name() + "' ("
                + error + "); retrying in " + delay + " ms");
        // On the coordinator: once the client is closed it refuses the task, and the retries stop.
        controller.schedule(Duration.ofMillis(delay), () -> {
            DatabaseRuntime<K, V> next;
            synchronized (lock) {
                if (stopped || planned != generation || target == null) {
                    return;
                }
                next = target;
            }
            attempt(next, planned, failures + 1);
        });
    }

    /** A connection of ours was lost (or closed). */
    private void lost(Link<K, V> link) {
        DatabaseRuntime<K, V> db;
        long planned;
        synchronized (lock) {
            if (stopped || !state.dropIfCurrent(link)) {
                return;
            }
            LOG.log(Level.WARNING, "Pub/Sub connection to database '" + link.db.name() + "' lost; re-subscribing");
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
}
