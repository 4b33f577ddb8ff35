package dev.multidb.health;

/** How many databases must pass their first health check for the client to start. */
public enum InitialHealthCheckPolicy {
    /** Every database (the reference's default). */
    ALL_AVAILABLE,
    /** More than half of them. */
    MAJORITY_AVAILABLE,
    /** At least one. */
    ONE_AVAILABLE;

    /**
     * Whether the client may start.
     *
     * @param healthy the databases that passed their first check
     * @param total   the databases in all
     * @return whether the client may start
     */
    public boolean isSatisfied(int healthy, int total) {
        return switch (this) {
            case ALL_AVAILABLE -> healthy == total;
            case MAJORITY_AVAILABLE -> healthy > total / 2;
            case ONE_AVAILABLE -> healthy >= 1;
        };
    }
}
