package dev.multidb.pubsub;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import dev.multidb.database.DatabaseRuntime;

/**
 * What the session wants subscribed, and the connection that carries it.
 *
 * <p>Every (UN)SUBSCRIBE that changes the current connection is sent while holding the lock that
 * guards {@code wanted}, so the server receives the changes in the order {@code wanted} made
 * them: two threads changing one channel at once cannot leave the server with the opposite of
 * what the session remembers. Holding a lock over the send is cheap: Lettuce's async dispatch
 * only queues the command on the channel, it never waits for the network. Writes from a Netty
 * thread bypass that queue, and the only one made here (the catch-up of a link being installed)
 * goes to a link no other thread has written to since its own commands were confirmed.
 */
final class SubscriptionState<K, V> {

    /** One change to {@code wanted}, and where it was sent. */
    record Change<K, V>(Kind kind, boolean subscribe, List<K> keys, List<K> added, long stamp, Link<K, V> sentOn,
            CompletableFuture<Void> confirmed) {
    }

    private final Object lock = new Object();
    // Everything below is guarded by lock.
    private final Subscriptions<K> wanted = new Subscriptions<>();
    /**
     * Per key, the stamp of the latest change still waiting for its confirmation: a refusal may
     * only undo a key that no later change has touched, because a later command decides what the
     * server has.
     */
    private final Map<Kind, Map<Object, Long>> latest = new EnumMap<>(Kind.class);
    private long stamps;
    /** The connection subscriptions go to, or null while there is none. */
    private Link<K, V> current;
    private boolean closed;

    SubscriptionState() {
        for (Kind kind : Kind.values()) {
            latest.put(kind, new HashMap<>());
        }
    }

    /**
     * Changes {@code wanted} and sends the change to the current connection, if there is one.
     * An unsubscribe with no keys means every key of the kind.
     *
     * @return the change, or {@code null} when there is nothing to change
     * @throws IllegalStateException after {@link #close()}
     */
    Change<K, V> apply(Kind kind, boolean subscribe, List<K> keys) {
        synchronized (lock) {
            if (closed) {
                throw new IllegalStateException("the MultiDbPubSub is closed");
            }
            List<K> changed = keys;
            List<K> added = List.of();
            if (subscribe) {
                added = wanted.add(kind, keys);
            } else if (keys.isEmpty()) {
                changed = wanted.removeAll(kind);
            } else {
                wanted.remove(kind, keys);
            }
            if (changed.isEmpty()) {
                return null;
            }
            long stamp = ++stamps;
            Map<Object, Long> byKey = latest.get(kind);
            for (K key : changed) {
                byKey.put(Subscriptions.identity(key), stamp);
            }
            CompletableFuture<Void> confirmed = current == null ? null : current.send(kind, subscribe, changed);
            return new Change<>(kind, subscribe, changed, added, stamp, current, confirmed);
        }
    }

    /** The server refused {@code change} on the link it was sent to: forget what it added. */
    void refused(Change<K, V> change) {
        synchronized (lock) {
            Map<Object, Long> byKey = latest.get(change.kind());
            List<K> forget = new ArrayList<>();
            for (K key : change.added()) {
                if (Long.valueOf(change.stamp()).equals(byKey.get(Subscriptions.identity(key)))) {
                    forget.add(key);
                }
            }
            if (forget.isEmpty()) {
                return;
            }
            wanted.remove(change.kind(), forget);
            if (current != null && current != change.sentOn()) {
                // A newer link subscribed it from wanted: keep that server in step too.
                current.send(change.kind(), false, forget);
            }
        }
    }

    /** {@code change} is settled (confirmed, refused or given up on). */
    void finished(Change<K, V> change) {
        synchronized (lock) {
            Map<Object, Long> byKey = latest.get(change.kind());
            for (K key : change.keys()) {
                byKey.remove(Subscriptions.identity(key), change.stamp());
            }
        }
    }

    /**
     * Waits until a connection other than {@code previous} is current.
     *
     * @return that connection, or {@code null} when the session closed
     */
    Link<K, V> awaitLinkOtherThan(Link<K, V> previous, long deadlineNanos) throws TimeoutException, InterruptedException {
        synchronized (lock) {
            while (!closed && (current == null || current == previous)) {
                long left = deadlineNanos - System.nanoTime();
                if (left <= 0) {
                    throw new TimeoutException();
                }
                TimeUnit.NANOSECONDS.timedWait(lock, left);
            }
            return closed ? null : current;
        }
    }

    /** A copy of {@code wanted}, to subscribe on a new connection. */
    Subscriptions<K> snapshot() {
        synchronized (lock) {
            return wanted.copy();
        }
    }

    Set<K> view(Kind kind) {
        synchronized (lock) {
            return wanted.view(kind);
        }
    }

    /** Whether the current connection is a working one to {@code db}. */
    boolean carriedBy(DatabaseRuntime<K, V> db) {
        synchronized (lock) {
            return current != null && current.db == db && current.alive();
        }
    }

    /**
     * Makes {@code link}, on which {@code snapshot} is subscribed, the current connection, and
     * catches it up with the changes made since the snapshot was taken.
     *
     * @return the link to retire: the one replaced (may be null), or {@code link} itself when closed
     */
    Link<K, V> install(Link<K, V> link, Subscriptions<K> snapshot) {
        synchronized (lock) {
            if (closed) {
                return link;
            }
            Link<K, V> replaced = current;
            current = link;
            List<CompletableFuture<Void>> changes = new ArrayList<>();
            for (Kind kind : Kind.values()) {
                List<K> added = wanted.minus(snapshot, kind);
                if (!added.isEmpty()) {
                    changes.add(link.resubscribe(kind, added));
                }
                List<K> removed = snapshot.minus(wanted, kind);
                if (!removed.isEmpty()) {
                    changes.add(link.send(kind, false, removed));
                }
            }
            link.ready(CompletableFuture.allOf(changes.toArray(CompletableFuture[]::new)));
            lock.notifyAll();
            return replaced;
        }
    }

    /** Forgets {@code link} if it is the current connection and still in use; tells whether it was. */
    boolean dropIfCurrent(Link<K, V> link) {
        synchronized (lock) {
            if (closed || link.retired() || link != current) {
                return false;
            }
            current = null;
            return true;
        }
    }

    /** Refuses further changes and wakes waiters; returns the current connection (may be null) to close. */
    Link<K, V> close() {
        synchronized (lock) {
            closed = true;
            Link<K, V> last = current;
            current = null;
            lock.notifyAll();
            return last;
        }
    }
}
