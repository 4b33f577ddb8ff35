package dev.multidb.health;

/**
 * How the probes of one health-check run are judged. Each policy decides as soon as the outcome
 * is certain: with {@link #HEALTHY_ALL} the first failed probe makes the database unhealthy
 * without waiting for the others.
 */
public enum HealthCheckPolicy {
    /** Every probe must pass (default). */
    HEALTHY_ALL,
    /** More than half of the probes must pass. */
    HEALTHY_MAJORITY,
    /** One passing probe is enough. */
    HEALTHY_ANY;

    /**
     * The verdict after {@code passed} and {@code failed} of {@code probes} probes, or
     * {@code null} while it is still open.
     *
     * @param passed the probes that passed so far
     * @param failed the probes that failed so far
     * @param probes the probes of the check in all
     * @return {@code true} healthy, {@code false} unhealthy, {@code null} not yet certain
     */
    public Boolean verdict(int passed, int failed, int probes) {
        int needed = switch (this) {
            case HEALTHY_ALL -> probes;
            case HEALTHY_MAJORITY -> probes / 2 + 1;
            case HEALTHY_ANY -> 1;
        };
        if (passed >= needed) {
            return Boolean.TRUE;
        }
        if (probes - failed < needed) {
            return Boolean.FALSE;
        }
        return null;
    }
}
