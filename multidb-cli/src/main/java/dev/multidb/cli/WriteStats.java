package dev.multidb.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * What the application saw of its writes: totals, per-second counts for the live report, the
 * longest pause between two successful writes, the first success after the fault, and the
 * distinct errors. Written by the writer thread, read by the reporters; thread-safe.
 */
final class WriteStats {

    private final LongAdder successes = new LongAdder();
    private final LongAdder errors = new LongAdder();
    private final AtomicLong windowSuccesses = new AtomicLong();
    private final AtomicLong windowErrors = new AtomicLong();
    private final Map<String, ErrorCount> errorsByKind = new ConcurrentHashMap<>();
    private final AtomicLong firstSuccessAfterFault = new AtomicLong(-1);
    private volatile long faultNanos = Long.MAX_VALUE;
    private volatile long lastSuccessNanos = -1;
    private volatile long maxGapNanos;
    private volatile long maxGapEndNanos = -1;

    /** From now on, a success of a write started at or after {@code nanos} counts as the first after the fault. */
    void markFault(long nanos) {
        faultNanos = nanos;
    }

    void success(long startedNanos, long endedNanos) {
        successes.increment();
        windowSuccesses.incrementAndGet();
        // Only a write that started after the fault proves traffic flows again: one that started
        // before may have been answered by the primary just before the fault took effect.
        if (startedNanos >= faultNanos) {
            firstSuccessAfterFault.compareAndSet(-1, endedNanos);
        }
        long last = lastSuccessNanos;
        if (last >= 0 && endedNanos - last > maxGapNanos) {
            maxGapNanos = endedNanos - last;
            maxGapEndNanos = endedNanos;
        }
        lastSuccessNanos = endedNanos;
    }

    void error(RuntimeException e) {
        errors.increment();
        windowErrors.incrementAndGet();
        String message = e.getClass().getSimpleName() + ": " + e.getMessage();
        // Messages carry counters ("for 812 ms"); group by their shape so the summary stays short.
        errorsByKind.computeIfAbsent(message.replaceAll("\\d+", "#"), k -> new ErrorCount(message)).count.increment();
    }

    /** Successes and errors since the previous call: one live-report second. */
    long[] takeWindow() {
        return new long[] {windowSuccesses.getAndSet(0), windowErrors.getAndSet(0)};
    }

    long successes() {
        return successes.sum();
    }

    long errors() {
        return errors.sum();
    }

    /** nanoTime of the first successful write started after the fault, or -1. */
    long firstSuccessAfterFault() {
        return firstSuccessAfterFault.get();
    }

    long maxGapNanos() {
        return maxGapNanos;
    }

    /** nanoTime at which the longest pause ended, or -1. */
    long maxGapEndNanos() {
        return maxGapEndNanos;
    }

    /** One example message per kind of error with its count, most frequent first. */
    List<String> distinctErrors() {
        List<ErrorCount> counts = new ArrayList<>(errorsByKind.values());
        counts.sort((a, b) -> Long.compare(b.count.sum(), a.count.sum()));
        List<String> lines = new ArrayList<>();
        for (ErrorCount c : counts) {
            lines.add(c.count.sum() + "x " + c.example);
        }
        return lines;
    }

    private static final class ErrorCount {
        final String example;
        final LongAdder count = new LongAdder();

        ErrorCount(String example) {
            this.example = example;
        }
    }
}
