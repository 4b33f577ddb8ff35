package dev.multidb.failover;

import java.util.concurrent.CompletableFuture;

import dev.multidb.Database;
import dev.multidb.circuit.CircuitBreaker;

/**
 * What the failover machinery needs of a member database, and no more: its circuit, its health
 * verdict, a way to make it ready for traffic, the counters the stall watch compares and its
 * lifecycle. {@code DatabaseRuntime} is the real one; the deterministic switching tests use fakes,
 * which is why this interface exists at all.
 */
public interface ManagedDatabase extends Database {

    CircuitBreaker circuit();

    /** What the application may see of it: a read-only view, the only form in which it leaves the client. */
    Database view();

    void setHealthy(boolean healthy, long latencyNanos);

    void setLastFailure(Throwable cause);

    void setWeight(double weight);

    /** Opens (if needed) and proves live the connection for application commands. */
    CompletableFuture<Void> prepareForTraffic();

    /** Whether a command connection exists now (a standby that has one needs no warming). */
    boolean hasCommandConnection();

    /** Fails what still waits on the command connection, so safe commands are re-sent elsewhere. */
    void abandonCommandConnection();

    /**
     * Whether the server is alive but busy: its TCP stack acknowledges health probes it does not
     * answer (set by the health checks while the busy budget lasts, and until the next answer).
     */
    boolean isServerBusy();

    void setServerBusy(boolean busy);

    /**
     * Traffic left this database because it failed. A dead one ({@link #isServerBusy()} false) has
     * what still waits on it cut at once (safe commands are re-sent elsewhere); a busy one may still
     * answer, so its commands finish or time out on their own connection (drain), and only its
     * blocking commands are ended (a BLPOP without a time limit would otherwise wait forever).
     */
    void leave();

    /** Forgets the failure detectors' history (a closed circuit starts afresh). */
    void resetTrackers();

    /** Commands handed to the command connection so far. */
    long dispatchedCount();

    /** Commands answered on the command connection so far. */
    long completedCount();

    /** Whether a command is in flight here (a removed database is closed only when idle). */
    boolean busy();

    CompletableFuture<Void> closeAsync();

    boolean isClosed();
}
