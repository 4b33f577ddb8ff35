package dev.multidb.bench.compare;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

import dev.multidb.testkit.FaultProxy;
import dev.multidb.testkit.RedisServer;

/**
 * The faults applied to the primary. Every scenario runs its script on the caller's thread, starting at the fault
 * instant, and returns when the writer should stop. Marks (kill / restart times) are appended for the measures and
 * the charts.
 */
public enum Scenario {
    /** SIGKILL of the primary; writer runs on for {@code afterMs}. */
    KILL,
    /** SIGSTOP of the primary (TCP still accepted, nothing answered). */
    FREEZE,
    /** Proxy in front of the primary drops all bytes, connections stay open. */
    BLACKHOLE,
    /** Proxy in front of the primary delays every chunk by 2 s in both directions. */
    LATENCY,
    /** Primary killed at 0 s, restarted at 3 s, killed at 6 s, … restarted at 15 s; writer runs 3 s more. */
    FLAP,
    /** Primary killed for 20 s, then restarted; writer runs {@code fallbackWaitMs} after the restart. */
    OUTAGE,
    /**
     * Primary stays healthy but runs a 2 s Lua busy loop (sent on a separate plain connection straight to the server,
     * not through any proxy); writer runs {@code afterMs} after the script returned. A client should not switch.
     */
    BUSY;

    static final Duration LATENCY_DELAY = Duration.ofSeconds(2);
    static final long FLAP_PERIOD_MS = 3000;
    static final long FLAP_TOTAL_MS = 15000;
    static final long OUTAGE_MS = 20000;
    static final long BUSY_MS = 2000;
    /** Spins on TIME for {@code ARGV[1]} microseconds (DEBUG SLEEP is disabled by default on Redis 7). */
    static final String BUSY_SCRIPT = "local t=redis.call('TIME') while true do local n=redis.call('TIME') "
            + "if (n[1]-t[1])*1000000+(n[2]-t[2]) > tonumber(ARGV[1]) then return 1 end end";

    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    boolean needsProxy() {
        return this == BLACKHOLE || this == LATENCY;
    }

    /** A point in time on the run's timeline (System.nanoTime), e.g. "kill" or "restart". */
    record Mark(String label, long nanos) {
    }

    /**
     * Applies the initial fault, records {@code effective} (first mark, label "effective") and runs the rest of the
     * script. The first mark's time is when the fault is certainly in effect.
     */
    void run(RedisServer primary, FaultProxy proxy, long fault, long afterMs, long fallbackWaitMs, List<Mark> marks)
            throws InterruptedException {
        Thread busy = null;
        switch (this) {
            case KILL -> primary.kill();
            case FREEZE -> primary.freeze();
            case BLACKHOLE -> proxy.blackhole(true);
            case LATENCY -> proxy.setLatency(LATENCY_DELAY);
            case FLAP, OUTAGE -> primary.kill();
            case BUSY -> busy = startBusyScript(primary, marks);
        }
        long effective = this == BUSY ? awaitBusy(primary) : System.nanoTime();
        marks.add(new Mark("effective", effective));
        if (this == KILL || this == FLAP || this == OUTAGE) {
            marks.add(new Mark("kill", effective)); // kill() returns once the process is gone
        }
        switch (this) {
            case KILL, FREEZE, BLACKHOLE, LATENCY -> sleepUntil(fault + ms(afterMs));
            case FLAP -> {
                boolean down = true;
                for (long t = FLAP_PERIOD_MS; t <= FLAP_TOTAL_MS; t += FLAP_PERIOD_MS) {
                    sleepUntil(fault + ms(t));
                    long now = System.nanoTime();
                    if (down) {
                        primary.restart();
                        marks.add(new Mark("restart", now));
                    } else {
                        primary.kill();
                        marks.add(new Mark("kill", System.nanoTime()));
                    }
                    down = !down;
                }
                sleepUntil(fault + ms(FLAP_TOTAL_MS + afterMs));
            }
            case OUTAGE -> {
                sleepUntil(fault + ms(OUTAGE_MS));
                long restart = System.nanoTime();
                primary.restart();
                marks.add(new Mark("restart", restart));
                sleepUntil(restart + ms(fallbackWaitMs));
            }
            case BUSY -> {
                busy.join(BUSY_MS + 10000);
                long done = marks.stream().filter(m -> m.label().equals("busy-end")).mapToLong(Mark::nanos).max()
                        .orElse(fault + ms(BUSY_MS));
                sleepUntil(done + ms(afterMs));
            }
        }
    }

    /**
     * Sends the busy script to the primary from a plain connection of its own and returns the thread waiting for its
     * reply; when the reply comes a "busy-end" mark is added.
     */
    private static Thread startBusyScript(RedisServer primary, List<Mark> marks) {
        Thread t = new Thread(() -> {
            try {
                primary.command(Duration.ofMillis(BUSY_MS + 10000), "EVAL", BUSY_SCRIPT, "0",
                        String.valueOf(BUSY_MS * 1000));
                synchronized (marks) {
                    marks.add(new Mark("busy-end", System.nanoTime()));
                }
            } catch (RuntimeException e) {
                System.err.println("busy script failed: " + e);
            }
        }, "compare-busy-script");
        t.setDaemon(true);
        t.start();
        return t;
    }

    /**
     * When the script is certainly running: PINGs the primary on short-lived connections of their own until one goes
     * unanswered for 50 ms, and returns when that one was sent (a PING the server read before the script would have
     * been answered at once).
     */
    private static long awaitBusy(RedisServer primary) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
        while (true) {
            long sent = System.nanoTime();
            try {
                primary.command(Duration.ofMillis(50), "PING");
            } catch (RuntimeException busy) {
                return sent;
            }
            if (sent > deadline) {
                System.err.println("busy script: the primary still answers PING after 1 s");
                return sent;
            }
        }
    }

    /** Undo what is left of the fault so the primary's data can be read (thaw a frozen server). */
    void cleanUp(RedisServer primary, FaultProxy proxy) {
        if (this == FREEZE && primary.isRunning()) {
            try {
                primary.thaw();
            } catch (RuntimeException ignored) {
                // close() thaws too
            }
        }
        if (proxy != null) {
            proxy.heal();
        }
    }

    /** How long after the fault the writer runs, for the chart's x range. */
    long durationMs(long afterMs, long fallbackWaitMs) {
        return switch (this) {
            case FLAP -> FLAP_TOTAL_MS + afterMs;
            case OUTAGE -> OUTAGE_MS + fallbackWaitMs;
            case BUSY -> BUSY_MS + afterMs;
            default -> afterMs;
        };
    }

    static long ms(long millis) {
        return TimeUnit.MILLISECONDS.toNanos(millis);
    }

    static void sleepUntil(long deadline) throws InterruptedException {
        long wait;
        while ((wait = deadline - System.nanoTime()) > 0) {
            TimeUnit.NANOSECONDS.sleep(wait);
        }
    }
}
