package dev.multidb.cli;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import dev.multidb.SwitchReason;

/**
 * The summary printed when the demo ends: when the fault, the failover, the heal and the fall back
 * happened and how long each took, what the application's writes saw, and a verdict. The verdict
 * is what the exit code reports, so a script (or a test) can tell a working failover from a broken one.
 */
final class ClosingReport {

    private final Timeline timeline;
    private final WriteStats stats;
    private final FaultKind fault;
    private final String primary;
    /** How long after the heal a fall back can take at most; a run that lasted longer must show one. */
    private final Duration fallbackBound;
    private final List<String> problems = new ArrayList<>();

    ClosingReport(Timeline timeline, WriteStats stats, FaultKind fault, String primary, Duration fallbackBound) {
        this.timeline = timeline;
        this.stats = stats;
        this.fault = fault;
        this.primary = primary;
        this.fallbackBound = fallbackBound;
    }

    /** Something went wrong outside what the timeline shows (a fault that could not be injected, ...). */
    void problem(String text) {
        problems.add(text);
    }

    /**
     * Prints the report, ending at {@code endNanos}.
     *
     * @return whether the run showed what it should: a failover after the fault and, when there was
     *         time for it, a fall back after the heal
     */
    boolean print(PrintWriter out, long endNanos) {
        out.println();
        out.println("Closing timeline");
        long fault = timeline.faultNanos();
        long heal = timeline.healNanos();
        if (fault < 0) {
            out.println("  (the fault was never injected)");
            problems.add("the fault was never injected");
        } else {
            out.println("  " + timeline.at(fault) + "  fault: " + this.fault + " " + primary);
            printFailover(out, fault, heal);
        }
        if (heal >= 0) {
            out.println("  " + timeline.at(heal) + "  heal: " + this.fault.healVerb() + " " + primary);
            printFallback(out, heal, endNanos);
        } else if (fault >= 0) {
            out.println("  (the primary was not healed before the end of the run)");
        }
        out.println("  " + timeline.at(endNanos) + "  end of the run");
        out.println();
        out.println("Writes: " + stats.successes() + " successful, " + stats.errors() + " failed (errors seen by the application)");
        if (stats.maxGapEndNanos() >= 0) {
            out.println("Longest pause between two successful writes: " + Math.round(stats.maxGapNanos() / 1e6)
                    + " ms (ended at " + timeline.at(stats.maxGapEndNanos()).trim() + ")");
        }
        List<String> errors = stats.distinctErrors();
        out.println("Distinct errors: " + (errors.isEmpty() ? "none" : errors.size()));
        errors.forEach(e -> out.println("  " + e));
        out.println();
        out.println(problems.isEmpty() ? "Result: OK" : "Result: FAILED: " + String.join("; ", problems));
        out.flush();
        return problems.isEmpty();
    }

    private void printFailover(PrintWriter out, long fault, long heal) {
        Optional<Timeline.Switch> failover = timeline.firstSwitchAfter(fault, SwitchReason.FAILOVER);
        long firstWrite = stats.firstSuccessAfterFault();
        if (failover.isPresent()) {
            Timeline.Switch s = failover.get();
            out.println("  " + timeline.at(s.nanos()) + "  failover: " + s.from() + " -> " + s.to());
        } else {
            out.println("  " + " ".repeat(8) + "  failover: NONE");
            problems.add("no failover after the fault");
        }
        String toEvent = failover.map(s -> Timeline.millisBetween(fault, s.nanos()) + " ms to the FAILOVER event").orElse("no FAILOVER event");
        String toWrite = firstWrite >= 0
                ? Timeline.millisBetween(fault, firstWrite) + " ms to the first successful write"
                : "no successful write after the fault";
        out.println("  " + " ".repeat(8) + "  time to fail over: " + toEvent + ", " + toWrite);
        if (failover.isPresent() && heal >= 0 && failover.get().nanos() > heal) {
            out.println("  " + " ".repeat(8) + "  (note: the failover came only after the heal)");
        }
    }

    private void printFallback(PrintWriter out, long heal, long end) {
        Optional<Timeline.Switch> fallback = timeline.firstSwitchAfter(heal, SwitchReason.FALLBACK);
        if (fallback.isPresent()) {
            Timeline.Switch s = fallback.get();
            out.println("  " + timeline.at(s.nanos()) + "  fall back: " + s.from() + " -> " + s.to());
            out.println("  " + " ".repeat(8) + "  time from heal to fall back: " + Timeline.millisBetween(heal, s.nanos()) + " ms");
            return;
        }
        long ranFor = Timeline.millisBetween(heal, end);
        out.println("  " + " ".repeat(8) + "  fall back: not seen (the run ended " + ranFor + " ms after the heal;"
                + " a fall back may take up to ~" + fallbackBound.toMillis() + " ms: grace period + health check + fallback interval)");
        if (ranFor > fallbackBound.toMillis()) {
            problems.add("no fall back to " + primary + " within " + fallbackBound.toMillis() + " ms of the heal");
        }
    }
}
