package dev.multidb.health;

/**
 * The verdict of one health-check run.
 *
 * @param healthy      whether the database passed under the policy
 * @param latencyNanos the latency of the last passing probe, or -1
 * @param cause        why the last failing probe failed, or {@code null}
 * @param busy         the probe got no answer in time, but the server's TCP stack acknowledged it:
 *                     the server is alive and busy (or a stopped process whose kernel still
 *                     acknowledges), not dead; {@code healthy} is then {@code false} and the client
 *                     tolerates it for the busy budget
 */
public record HealthResult(boolean healthy, long latencyNanos, Throwable cause, boolean busy) {

    /** A verdict without the busy distinction. */
    public HealthResult(boolean healthy, long latencyNanos, Throwable cause) {
        this(healthy, latencyNanos, cause, false);
    }
}
