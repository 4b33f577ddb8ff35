package dev.multidb;

import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import java.util.function.Supplier;

import dev.multidb.database.DatabaseRuntime;
import dev.multidb.detect.FailureDetector;

/**
 * A client's failure detectors, and the rule that every detector has a tracker on every database,
 * whichever of the two was added first.
 *
 * <p>A database being added is built (and given its trackers) on the caller's thread but joins the
 * member list later, on the coordinator. Until the coordinator has answered it is <em>joining</em>:
 * a detector added meanwhile gets a tracker for it too. Both additions take this object's monitor,
 * so a detector is either in the list a new database is built from, or sees that database as
 * joining or as a member.
 */
final class FailureDetectors<K, V> {

    private final List<FailureDetector> detectors = new CopyOnWriteArrayList<>();
    /** The member list, as the coordinator keeps it. */
    private final Supplier<List<DatabaseRuntime<K, V>>> members;
    /** Databases built for {@code addDatabase} whose add the coordinator has not answered yet. */
    private final Set<DatabaseRuntime<K, V>> joining = ConcurrentHashMap.newKeySet();

    FailureDetectors(List<FailureDetector> initial, Supplier<List<DatabaseRuntime<K, V>>> members) {
        this.detectors.addAll(initial);
        this.members = members;
    }

    /** Gives {@code db} a tracker of every detector, in the order the detectors were added. */
    synchronized void equip(DatabaseRuntime<K, V> db) {
        for (FailureDetector detector : detectors) {
            db.addTracker(detector.newTracker(db.view()));
        }
    }

    /**
     * Equips {@code db} and hands it to {@code add}, whose future completes once the coordinator has
     * inserted or refused it (its first health verdict, or the refusal). Until then {@code db} counts
     * as joining.
     */
    synchronized <T> CompletableFuture<T> join(DatabaseRuntime<K, V> db, Function<DatabaseRuntime<K, V>, CompletableFuture<T>> add) {
        equip(db);
        joining.add(db);
        CompletableFuture<T> answered;
        try {
            answered = add.apply(db);
        } catch (RuntimeException | Error e) {
            joining.remove(db);
            throw e;
        }
        // No monitor here: this may run on the coordinator, which must not wait for a detector's newTracker.
        answered.whenComplete((result, error) -> joining.remove(db));
        return answered;
    }

    /** Adds {@code detector} and gives it a tracker on every member and every joining database. */
    synchronized void add(FailureDetector detector) {
        detectors.add(detector);
        // Joining first, then the members: a database leaves joining only after it became a member,
        // so reading in this order it is found at least once; the identity set keeps it to once.
        Set<DatabaseRuntime<K, V>> targets = Collections.newSetFromMap(new IdentityHashMap<>());
        targets.addAll(joining);
        targets.addAll(members.get());
        for (DatabaseRuntime<K, V> db : targets) {
            db.addTracker(detector.newTracker(db.view()));
        }
    }
}
