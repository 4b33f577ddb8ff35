package dev.multidb;

/** Why the active database changed. */
public enum SwitchReason {
    /** The first active database, chosen at start-up. */
    INITIAL,
    /** The active database failed. */
    FAILOVER,
    /** No database was usable and one became usable again. */
    RECOVERY,
    /** A higher-weight database became healthy and the auto fallback timer moved traffic back. */
    FALLBACK,
    /** The application called {@code setActiveDatabase}. */
    MANUAL,
    /** A weight changed. */
    WEIGHT_CHANGED,
    /** A database was added. */
    DATABASE_ADDED,
    /** The active database was removed. */
    DATABASE_REMOVED,
    /**
     * An operator control ({@link MultiDbClient#maintenance()}): a database forced active, or traffic leaving a
     * database being drained. See {@link MaintenanceEvent}.
     */
    MAINTENANCE
}
