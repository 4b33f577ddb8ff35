package dev.multidb;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Operator controls for maintenance, from {@link MultiDbClient#maintenance()}: force a database active whatever
 * its health says, and drain a database before work on it. Both are published as {@link MaintenanceEvent}s and
 * shown by {@link MultiDbClient#status()} ({@link MultiDbStatus#maintenance()}).
 *
 * <p><b>Forcing</b> overrides the automatic choice: while a database is forced active, failed health checks, an
 * open circuit, the failure detectors and auto fallback do not move traffic away from it (its health is still
 * checked and reported). Use it when the health checks are known to be wrong for a while (a lag-aware check during a
 * planned resync, a custom check's dependency under maintenance). A force ends when released, when its time bound
 * runs out, or when the database is removed; the usual rules then choose again at once. A database that cannot even
 * be connected to cannot be forced. {@link MultiDbClient#setActiveDatabase} is refused while a force stands.
 *
 * <p><b>Draining</b> takes a database out of rotation: no new traffic goes there (traffic moves to the best other
 * usable database now if it is active), while commands already running there, transactions and blocking
 * commands included, finish on their own connections. It stays out of rotation, health-checked, until
 * {@link #undrain}; while it is drained it is not used even when no other database is usable.
 */
public interface Maintenance {

    /**
     * Makes {@code database} active now and keeps it active for at most {@code bound}, whatever its health.
     * Replaces an earlier force.
     *
     * @param database one of the client's databases
     * @param bound    how long the force lasts at most; positive
     * @throws IllegalArgumentException if {@code bound} is not positive, or the database is not a member
     * @throws IllegalStateException    if the database is drained (undrain it first)
     * @throws io.lettuce.core.RedisException if no connection to it can be opened (the force is not kept)
     */
    void forceActive(Database database, Duration bound);

    /**
     * Like {@link #forceActive(Database, Duration)}, until {@link #release()}.
     *
     * @param database one of the client's databases
     */
    void forceActive(Database database);

    /** Ends the force, if any; the usual rules choose the active database again at once. */
    void release();

    /** {@return the database forced active, or {@code null}} */
    Database forced();

    /**
     * Drains {@code database}: completes once no new traffic goes there and nothing is in flight there any more,
     * or fails with a {@link io.lettuce.core.RedisCommandTimeoutException} after {@code bound} (the database stays
     * drained: call again to wait longer, or {@link #undrain}). The future fails at once when it is forced active, or when it is active and no other database is usable
     * (nothing is drained then). If the database traffic was to move to fails meanwhile, traffic stays until
     * another one is usable: a drain never leaves the client without a database. A blocking command without a
     * time limit keeps a database busy for as long as it waits.
     *
     * @param database one of the client's databases
     * @param bound    how long to wait for the work in flight there to finish; positive
     * @return completes when the database is drained
     * @throws IllegalArgumentException if {@code bound} is not positive (the future fails with it if the database
     *                                  is not a member)
     */
    CompletableFuture<Void> drain(Database database, Duration bound);

    /**
     * Puts a drained database back into rotation (a heavier one takes traffic back by the usual auto fallback).
     *
     * @param database a drained database
     */
    void undrain(Database database);

    /** {@return the drained databases} */
    List<Database> drained();
}
