package dev.multidb.health;

/**
 * The verdict of one health-check run.
 *
 * @param healthy      whether the database passed under the policy
 * @param latencyNanos the latency of the last passing probe, or -1
 * @param cause        why the last failing probe failed, or {@code null}
 */
public record HealthResult(boolean healthy, long latencyNanos, Throwable cause) {
}
