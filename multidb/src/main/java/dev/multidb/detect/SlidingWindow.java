package dev.multidb.detect;

import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.LongSupplier;

/**
 * Counts events and failures over the last {@code window} of time, in {@code buckets} slices: a
 * sliding window with the resolution of one slice (not a tumbling one that forgets everything at
 * each boundary). Lock-free; counts may be off by the few events that race a slice's reset, which
 * a threshold of hundreds does not notice.
 */
final class SlidingWindow {

    private final int buckets;
    private final long sliceNanos;
    private final LongSupplier nanoClock;
    /** Per slice: [epoch, total, failures]. */
    private final AtomicLongArray cells;

    SlidingWindow(long windowNanos, int buckets, LongSupplier nanoClock) {
        this.buckets = buckets;
        this.sliceNanos = Math.max(1, windowNanos / buckets);
        this.nanoClock = nanoClock;
        this.cells = new AtomicLongArray(buckets * 3);
        for (int i = 0; i < buckets; i++) {
            cells.set(i * 3, Long.MIN_VALUE);
        }
    }

    void record(boolean failure) {
        long epoch = nanoClock.getAsLong() / sliceNanos;
        int base = (int) Math.floorMod(epoch, (long) buckets) * 3;
        long seen = cells.get(base);
        // Only ever move a slice forward: a thread with an older clock reading must not wipe a newer slice.
        if (seen < epoch && cells.compareAndSet(base, seen, epoch)) {
            cells.set(base + 1, 0);
            cells.set(base + 2, 0);
        }
        cells.incrementAndGet(base + 1);
        if (failure) {
            cells.incrementAndGet(base + 2);
        }
    }

    /** {total, failures} over the window that ends now. */
    long[] counts() {
        long now = nanoClock.getAsLong() / sliceNanos;
        long total = 0;
        long failures = 0;
        for (int i = 0; i < buckets; i++) {
            long epoch = cells.get(i * 3);
            if (epoch > now - buckets && epoch <= now) {
                total += cells.get(i * 3 + 1);
                failures += cells.get(i * 3 + 2);
            }
        }
        return new long[] {total, failures};
    }

    void reset() {
        for (int i = 0; i < buckets; i++) {
            cells.set(i * 3, Long.MIN_VALUE);
        }
    }
}
