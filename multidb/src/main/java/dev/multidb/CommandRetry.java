package dev.multidb;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * How often and how fast the client retries a command at the multi-database layer: exponential
 * backoff with full jitter, as redis-py's {@code ExponentialWithJitterBackoff}. The per-database
 * connections never retry by themselves.
 *
 * @param retries how many times a command may be sent again after its first attempt (0 = never)
 * @param base    the backoff before the first retry is drawn from {@code [0, base]}
 * @param cap     the largest backoff
 */
public record CommandRetry(int retries, Duration base, Duration cap) {

    /** Default: 10 retries, 10 ms base, 1 s cap (the reference's values). */
    public static final CommandRetry DEFAULT = new CommandRetry(10, Duration.ofMillis(10), Duration.ofSeconds(1));

    /**
     * Validates the settings.
     *
     * @param retries how many times a command may be sent again after its first attempt (0 = never)
     * @param base    the backoff before the first retry is drawn from {@code [0, base]}
     * @param cap     the largest backoff
     * @throws IllegalArgumentException if {@code retries} is negative, {@code base} or {@code cap}
     *         is negative, or {@code cap} is smaller than {@code base} (the message names the field)
     * @throws NullPointerException if {@code base} or {@code cap} is null
     */
    public CommandRetry {
        if (retries < 0) {
            throw new IllegalArgumentException("commandRetry.retries must be >= 0, was " + retries);
        }
        Config.requireNonNegative("commandRetry.base", base);
        Config.requireNonNegative("commandRetry.cap", cap);
        if (cap.compareTo(base) < 0) {
            throw new IllegalArgumentException("commandRetry.cap (" + cap + ") must be >= commandRetry.base (" + base + ")");
        }
    }

    /**
     * Exponential backoff with full jitter.
     *
     * @param retries how many times a command may be sent again after its first attempt (0 = never)
     * @param base    the backoff before the first retry is drawn from {@code [0, base]}; it doubles
     *                with every further retry
     * @param cap     the largest backoff
     * @return the settings
     * @throws IllegalArgumentException as the constructor
     */
    public static CommandRetry exponentialWithJitter(int retries, Duration base, Duration cap) {
        return new CommandRetry(retries, base, cap);
    }

    /** {@return no retry at all: every command is sent once} */
    public static CommandRetry none() {
        return new CommandRetry(0, Duration.ZERO, Duration.ZERO);
    }

    /**
     * The delay before retry number {@code retry} (1-based; a smaller number counts as 1): uniform in
     * {@code [0, min(cap, base * 2^(retry-1))]}. A zero base never waits, whatever the cap; the doubling
     * saturates at the cap instead of overflowing.
     *
     * @param retry the number of the retry, 1 for the first
     * @return the delay in nanoseconds, drawn anew on every call
     */
    public long backoffNanos(int retry) {
        long baseNanos = base.toNanos();
        long capNanos = cap.toNanos();
        if (baseNanos == 0 || capNanos == 0) {
            return 0;
        }
        int shift = Math.min(Math.max(retry - 1, 0), 62);
        // base * 2^shift > cap  <=>  base > cap >> shift (no overflow either way).
        long ceiling = baseNanos > (capNanos >> shift) ? capNanos : baseNanos << shift;
        return ThreadLocalRandom.current().nextLong(ceiling == Long.MAX_VALUE ? ceiling : ceiling + 1);
    }
}
