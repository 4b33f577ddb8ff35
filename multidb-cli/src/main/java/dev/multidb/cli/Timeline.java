package dev.multidb.cli;

import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

import dev.multidb.SwitchReason;

/**
 * The moments that matter in a demo run, as {@link System#nanoTime()} values relative to its
 * start: the fault, the heal, and every change of the active database. Thread-safe.
 */
final class Timeline {

    /** One change of the active database, as the client's event reported it. */
    record Switch(long nanos, String from, String to, SwitchReason reason) {
    }

    private final long startNanos;
    private final List<Switch> switches = new CopyOnWriteArrayList<>();
    private volatile long faultNanos = -1;
    private volatile long healNanos = -1;

    Timeline(long startNanos) {
        this.startNanos = startNanos;
    }

    void fault(long nanos) {
        faultNanos = nanos;
    }

    void heal(long nanos) {
        healNanos = nanos;
    }

    void switched(Switch change) {
        switches.add(change);
    }

    /** nanoTime of the fault, or -1 if it was not injected. */
    long faultNanos() {
        return faultNanos;
    }

    /** nanoTime of the heal, or -1 if it did not happen. */
    long healNanos() {
        return healNanos;
    }

    /** The first switch for {@code reason} at or after {@code nanos}. */
    Optional<Switch> firstSwitchAfter(long nanos, SwitchReason reason) {
        if (nanos < 0) {
            return Optional.empty();
        }
        return switches.stream().filter(s -> s.nanos() >= nanos && s.reason() == reason).findFirst();
    }

    /** Seconds since the start, e.g. {@code "  5.012s"}: fixed width so columns line up. */
    String at(long nanos) {
        return String.format(Locale.ROOT, "%7.3fs", (nanos - startNanos) / 1e9);
    }

    /** Milliseconds from {@code from} to {@code to}. */
    static long millisBetween(long from, long to) {
        return Math.round((to - from) / 1e6);
    }
}
