package dev.multidb.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;

import dev.multidb.ActiveDatabaseChangedEvent;
import dev.multidb.DatabaseConfig;
import dev.multidb.MultiDbClient;
import dev.multidb.MultiDbConfig;
import dev.multidb.testkit.DeadHost;
import dev.multidb.testkit.FaultProxy;
import dev.multidb.testkit.RedisServer;

/**
 * Failover timelines with DEFAULT multidb settings: two local redis-servers (primary weight 1.0, standby 0.5), one
 * writer thread doing {@code client.sync().set("k", i)} in a tight loop and recording start, end and outcome of every
 * call; the primary is hit by a real fault at a random phase (uniform 0..5 s after the client was created, so the
 * fault lands anywhere in the 5 s health-check cycle). The writer stops 3 s after the fault.
 *
 * <pre>
 * java -cp multidb-bench/target/multidb-bench.jar dev.multidb.bench.FailoverScenarios [kill] [freeze] [blackhole] [deadhost]
 *      [--runs N] [--seed S] [--after-ms MS] [--max-phase-ms MS]
 * </pre>
 *
 * Per run it reports: recovery = time from the fault (just before the signal / black hole is applied) to the end of
 * the first successful call that STARTED after the fault was in effect (kill()/freeze() returned, black hole on), so
 * it cannot have been answered by the primary; longest gap = the longest time between two consecutive successful
 * calls' ends (the outage the writer saw, whichever call was in flight); applying = how long kill()/freeze() took; failed = calls that threw; longest = the
 * longest single call of the run; switch = when the ActiveDatabaseChangedEvent(FAILOVER) reached a listener.
 */
public final class FailoverScenarios {

    private static final long MS = 1_000_000L;

    enum Scenario {
        KILL(100, true), FREEZE(1000, false), BLACKHOLE(1000, false),
        /** A real dead host: an iptables rule drops every packet the primary sends (needs root). */
        DEADHOST(1000, false);

        final double goalMs;
        final boolean goalNoFailures;

        Scenario(double goalMs, boolean goalNoFailures) {
            this.goalMs = goalMs;
            this.goalNoFailures = goalNoFailures;
        }

        String id() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** One run's outcome. */
    record Run(int index, double phaseMs, double applyMs, double recoveryMs, double maxGapMs, int failed, int failedBeforeFault, double longestMs, double longestStartMs,
            double switchMs, String switchReason, int calls, String errors, boolean standbyHasLastWrite) {
    }

    public static void main(String[] args) throws Exception {
        List<Scenario> scenarios = new ArrayList<>();
        int runs = 10;
        long seed = System.nanoTime();
        long afterMs = 3000;
        int maxPhaseMs = 5000;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--runs" -> runs = Integer.parseInt(args[++i]);
                case "--seed" -> seed = Long.parseLong(args[++i]);
                case "--after-ms" -> afterMs = Long.parseLong(args[++i]);
                case "--max-phase-ms" -> maxPhaseMs = Integer.parseInt(args[++i]);
                case "-h", "--help" -> {
                    System.out.println("usage: FailoverScenarios [kill] [freeze] [blackhole] [deadhost] [--runs N] [--seed S] "
                            + "[--after-ms MS] [--max-phase-ms MS]");
                    return;
                }
                default -> scenarios.add(Scenario.valueOf(args[i].toUpperCase(Locale.ROOT)));
            }
        }
        if (scenarios.isEmpty()) {
            scenarios.addAll(List.of(Scenario.values()));
        }
        System.out.printf("# Failover scenarios: %s, %d runs each, seed %d, writer stops %d ms after the fault, "
                + "fault phase uniform in 0..%d ms after client creation%n%n", scenarios, runs, seed, afterMs, maxPhaseMs);
        Random random = new Random(seed);
        try (RedisServer warm = RedisServer.start()) {
            JvmWarmup.lettuce(warm.uri()); // see JvmWarmup: a cold JVM fails the first MultiDbClient.create()
        }
        for (Scenario scenario : scenarios) {
            List<Run> results = new ArrayList<>();
            for (int r = 1; r <= runs; r++) {
                int phase = random.nextInt(maxPhaseMs + 1);
                Run run = runOnce(scenario, r, phase, afterMs);
                results.add(run);
                System.err.printf("[%s %d/%d] %s%n", scenario.id(), r, runs, run);
            }
            printTables(scenario, results);
        }
        System.exit(0); // do not wait for lingering non-daemon Netty threads
    }

    static Run runOnce(Scenario scenario, int index, int phaseMs, long afterMs) throws Exception {
        RedisServer primary = RedisServer.start();
        RedisServer standby = RedisServer.start();
        FaultProxy proxy = scenario == Scenario.BLACKHOLE ? FaultProxy.start(primary.host(), primary.port()) : null;
        List<long[]> switches = new ArrayList<>(); // {nanoTime, reason ordinal}
        List<String> switchReasons = new ArrayList<>();
        MultiDbClient<String, String> client = null;
        Writer writer = null;
        DeadHost dead = null;
        try {
            MultiDbConfig config = MultiDbConfig.builder()
                    .database(DatabaseConfig.builder().fromUrl(proxy != null ? proxy.uri() : primary.uri())
                            .name("primary").weight(1.0).build())
                    .database(DatabaseConfig.builder().fromUrl(standby.uri()).name("standby").weight(0.5).build())
                    .build();
            client = MultiDbClient.create(config);
            long created = System.nanoTime();
            client.addListener(ActiveDatabaseChangedEvent.class, e -> {
                long now = System.nanoTime();
                synchronized (switches) {
                    switches.add(new long[] { now });
                    switchReasons.add(e.reason() + "->" + e.newDatabase().name());
                }
            });
            if (!"primary".equals(client.activeDatabase().name())) {
                throw new IllegalStateException("primary is not active at start: " + client.activeDatabase().name());
            }
            writer = new Writer(client);
            writer.start();

            sleepUntil(created + phaseMs * MS);
            long fault = System.nanoTime();
            switch (scenario) {
                case KILL -> primary.kill();
                case FREEZE -> primary.freeze();
                case BLACKHOLE -> proxy.blackhole(true);
                case DEADHOST -> dead = DeadHost.dropPacketsFrom(primary.port());
            }
            long effective = System.nanoTime();
            sleepUntil(fault + afterMs * MS);
            writer.halt();
            writer.join(TimeUnit.SECONDS.toMillis(30));
            if (writer.isAlive()) {
                System.err.println("WARNING: the writer is still blocked 30 s after being told to stop");
            }
            String lastOk = writer.lastOkValue();
            String onStandby = null;
            try {
                onStandby = standby.command("GET", "k");
            } catch (RuntimeException ignored) {
                // reported as false below
            }

            // Measures.
            int n = writer.count;
            double recovery = Double.NaN;
            long lastOkEnd = -1;
            long maxGap = 0;
            int failed = 0;
            int failedBefore = 0;
            long longest = 0;
            long longestStart = 0;
            Map<String, Integer> errors = new TreeMap<>();
            for (int i = 0; i < n; i++) {
                long start = writer.starts[i];
                long end = writer.ends[i];
                if (end - start > longest) {
                    longest = end - start;
                    longestStart = start;
                }
                if (writer.ok[i]) {
                    // Started once the fault was in effect: it cannot have been served by the primary.
                    if (Double.isNaN(recovery) && start >= effective) {
                        recovery = (end - fault) / (double) MS;
                    }
                    if (lastOkEnd >= 0) {
                        maxGap = Math.max(maxGap, end - lastOkEnd);
                    }
                    lastOkEnd = end;
                } else {
                    failed++;
                    if (end < fault) {
                        failedBefore++;
                    }
                }
            }
            writer.errors.forEach(e -> errors.merge(e, 1, Integer::sum));
            double switchMs = Double.NaN;
            String reason = "-";
            synchronized (switches) {
                for (int i = 0; i < switches.size(); i++) {
                    if (switches.get(i)[0] >= fault) {
                        switchMs = (switches.get(i)[0] - fault) / (double) MS;
                        reason = switchReasons.get(i);
                        break;
                    }
                }
            }
            return new Run(index, phaseMs, (effective - fault) / (double) MS, recovery, maxGap / (double) MS, failed,
                    failedBefore, longest / (double) MS, (longestStart - fault) / (double) MS, switchMs, reason, n,
                    errors.isEmpty() ? "-" : errors.toString(), lastOk != null && lastOk.equals(onStandby));
        } finally {
            if (writer != null) {
                writer.halt();
            }
            if (dead != null) {
                dead.close();
            }
            if (scenario == Scenario.FREEZE && primary.isRunning()) {
                try {
                    primary.thaw();
                } catch (RuntimeException ignored) {
                    // close() thaws too
                }
            }
            if (client != null) {
                client.close();
            }
            if (proxy != null) {
                proxy.close();
            }
            primary.close();
            standby.close();
        }
    }

    /** The single writer: {@code client.sync().set("k", String.valueOf(i))} in a loop, every call timed. */
    static final class Writer extends Thread {
        private final MultiDbClient<String, String> client;
        private volatile boolean running = true;
        long[] starts = new long[1 << 16];
        long[] ends = new long[1 << 16];
        boolean[] ok = new boolean[1 << 16];
        volatile int count;
        final List<String> errors = new ArrayList<>();
        private volatile long lastOk = -1;

        Writer(MultiDbClient<String, String> client) {
            super("scenario-writer");
            this.client = client;
            setDaemon(true);
        }

        @Override
        public void run() {
            long i = 0;
            while (running) {
                i++;
                long start = System.nanoTime();
                boolean success;
                String error = null;
                try {
                    client.sync().set("k", String.valueOf(i));
                    success = true;
                } catch (RuntimeException e) {
                    success = false;
                    String msg = String.valueOf(e.getMessage());
                    error = e.getClass().getSimpleName() + ": " + (msg.length() > 120 ? msg.substring(0, 120) + "…" : msg)
                            + " @" + (System.nanoTime() - start) / MS + "ms";
                }
                long end = System.nanoTime();
                record(start, end, success, error);
                if (success) {
                    lastOk = i;
                }
            }
        }

        private void record(long start, long end, boolean success, String error) {
            int c = count;
            if (c == starts.length) {
                starts = Arrays.copyOf(starts, c * 2);
                ends = Arrays.copyOf(ends, c * 2);
                ok = Arrays.copyOf(ok, c * 2);
            }
            starts[c] = start;
            ends[c] = end;
            ok[c] = success;
            if (error != null) {
                synchronized (errors) {
                    errors.add(error);
                }
            }
            count = c + 1;
        }

        String lastOkValue() {
            return lastOk < 0 ? null : String.valueOf(lastOk);
        }

        void halt() {
            running = false;
        }
    }

    private static void sleepUntil(long deadline) throws InterruptedException {
        long wait;
        while ((wait = deadline - System.nanoTime()) > 0) {
            TimeUnit.NANOSECONDS.sleep(wait);
        }
    }

    // ---------------------------------------------------------------- output

    static void printTables(Scenario scenario, List<Run> runs) {
        System.out.printf("## Scenario `%s` (%d runs)%n%n", scenario.id(), runs.size());
        System.out.println("| measure | p50 | max | goal | runs meeting goal |");
        System.out.println("|---|---:|---:|---|---:|");
        long metTime = runs.stream().filter(r -> !Double.isNaN(r.recoveryMs()) && r.recoveryMs() <= scenario.goalMs).count();
        long metFail = runs.stream().filter(r -> r.failed() == 0).count();
        row("recovery: fault → first successful write (ms)", runs, Run::recoveryMs,
                "≤ " + (int) scenario.goalMs + " ms", metTime + "/" + runs.size());
        row("longest gap between successful writes (ms)", runs, Run::maxGapMs, "", "");
        row("failed calls", runs, r -> r.failed(), scenario.goalNoFailures ? "0" : "(none set)",
                scenario.goalNoFailures ? metFail + "/" + runs.size() : metFail + "/" + runs.size() + " with 0");
        row("longest call (ms)", runs, Run::longestMs, "", "");
        row("switch event after fault (ms)", runs, Run::switchMs, "", "");
        row("applying the fault (ms)", runs, Run::applyMs, "", "");
        long both = runs.stream().filter(r -> !Double.isNaN(r.recoveryMs()) && r.recoveryMs() <= scenario.goalMs
                && (!scenario.goalNoFailures || r.failed() == 0)).count();
        System.out.printf("%nRuns meeting the whole goal (%s): %d/%d%n%n", scenario.goalNoFailures
                ? "recovery ≤ " + (int) scenario.goalMs + " ms and 0 failed calls"
                : "recovery ≤ " + (int) scenario.goalMs + " ms", both, runs.size());
        System.out.println("| run | fault phase (ms) | applying fault (ms) | recovery (ms) | longest gap (ms) | failed calls "
                + "| longest call (ms) | it started at (ms from fault) | switch event (ms) | switch | calls | errors | standby has last write |");
        System.out.println("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---|---|");
        for (Run r : runs) {
            System.out.printf(Locale.ROOT, "| %d | %.0f | %s | %s | %s | %d%s | %s | %s | %s | %s | %d | %s | %s |%n", r.index(),
                    r.phaseMs(), fmt(r.applyMs()), fmt(r.recoveryMs()), fmt(r.maxGapMs()), r.failed(), r.failedBeforeFault() > 0 ? " (" + r.failedBeforeFault() + " before fault)" : "",
                    fmt(r.longestMs()), fmt(r.longestStartMs()), fmt(r.switchMs()), r.switchReason(), r.calls(), r.errors(),
                    r.standbyHasLastWrite() ? "yes" : "no");
        }
        System.out.println();
        System.out.flush();
    }

    private static void row(String name, List<Run> runs, ToDoubleFunction<Run> f, String goal, String met) {
        double[] v = runs.stream().mapToDouble(f).toArray();
        long missing = Arrays.stream(v).filter(Double::isNaN).count();
        double[] present = Arrays.stream(v).filter(d -> !Double.isNaN(d)).sorted().toArray();
        String p50 = present.length == 0 ? "n/a" : fmt(present[(int) Math.ceil(present.length * 0.5) - 1]);
        String max = present.length == 0 ? "n/a" : fmt(present[present.length - 1]);
        if (missing > 0) {
            max += " (" + missing + " runs: none)";
        }
        System.out.printf("| %s | %s | %s | %s | %s |%n", name, p50, max, goal, met);
    }

    private static String fmt(double v) {
        if (Double.isNaN(v)) {
            return "none";
        }
        return v == Math.rint(v) && v < 1e6 ? String.format(Locale.ROOT, "%.0f", v) : String.format(Locale.ROOT, "%.1f", v);
    }

    private FailoverScenarios() {
    }
}
