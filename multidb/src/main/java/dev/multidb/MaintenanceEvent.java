package dev.multidb;

import java.time.Duration;

/**
 * An operator control ({@link Maintenance}) took effect or ended.
 *
 * @param database the database concerned
 * @param change   what happened
 * @param bound    for {@link Change#FORCED}: how long the force lasts at most, or {@code null} until released;
 *                 otherwise {@code null}
 * @param detail   why, in words for a log (e.g. "released by the application", "expired after PT5M"), never a
 *                 credential
 */
public record MaintenanceEvent(Database database, Change change, Duration bound, String detail) implements MultiDbEvent {

    /** What changed. */
    public enum Change {
        /** The database was forced active: health checks and circuits no longer move traffic away from it. */
        FORCED,
        /** The force ended (released, expired, or the database was removed); the usual rules choose again. */
        RELEASED,
        /** The database is being drained: no new traffic goes there. */
        DRAINING,
        /** Traffic left the drained database and nothing is in flight there any more. */
        DRAINED,
        /** The drain ended: the database may carry traffic again. */
        UNDRAINED
    }
}
