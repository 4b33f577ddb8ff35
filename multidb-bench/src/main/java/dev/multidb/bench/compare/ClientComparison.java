package dev.multidb.bench.compare;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;

import dev.multidb.testkit.FaultProxy;
import dev.multidb.testkit.RedisServer;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;

/**
 * Failover timelines side by side: this project's multidb client (default and tuned), Lettuce 7.7's own
 * {@code io.lettuce.core.failover.MultiDbClient} and Jedis 8's {@code redis.clients.jedis.MultiDbClient}, each against
 * two fresh local redis-servers per run (primary weight 1.0, standby 0.5) and one writer thread doing
 * {@code SET w:<n> <n>} in a tight loop. The fault hits the primary at a seeded random phase (uniform 0..max-phase ms
 * after the client was connected); run r uses the same phase for every client.
 *
 * <pre>
 * java -cp multidb-bench/target/multidb-bench.jar dev.multidb.bench.compare.ClientComparison
 *      [kill] [freeze] [blackhole] [latency] [flap] [outage] [busy] [--runs N] [--seed S] [--clients a,b,...]
 *      [--after-ms MS] [--fallback-wait-ms MS] [--max-phase-ms MS] [--charts DIR]
 * </pre>
 *
 * Measures per run: recovery = fault → end of the first successful write that started once the fault was in effect;
 * longest gap between successful writes after the fault (an outage still open when the writer stopped counts up to
 * the stop); failed calls (after the fault); longest call; switch = fault → the client's
 * active endpoint (polled every 5 ms) becomes the standby; acked missing = acknowledged writes found on no server
 * afterwards, not counting writes acknowledged before the last kill of the primary (those died with the process, no
 * persistence); failed but applied = failed calls whose key exists on a server; writes applied late = acknowledged
 * writes whose key is on both servers (applied by one, and later by the other after the client had given up on it;
 * n/a when the primary was killed, without persistence); for outage/flap: fall back = restart → active endpoint is the
 * primary again, failed calls after the restart; for busy: script ran = fault → the busy script's reply, traffic back
 * on the primary = the client reports the primary active when the writer stops and a write after the script succeeded.
 */
public final class ClientComparison {

    private static final long MS = 1_000_000L;
    private static final double CHART_BEFORE_S = 1.0;
    /** After the fault is undone and before the servers are read, so that a late application can land. */
    private static final long LATE_SETTLE_MS = 500;
    /** Lettuce's failover package logs every switch at INFO through JUL; keep the output readable. */
    private static final java.util.logging.Logger LETTUCE_LOG = java.util.logging.Logger.getLogger("io.lettuce");

    record Run(Profile profile, int index, int phaseMs, double recoveryMs, double maxGapMs, int failed, double longestMs,
            double switchMs, int switches, long acked, int ackedMissing, int failedApplied, double lateApplied,
            double fallbackMs, int failedAfterRestart, int calls, boolean writerStuck, boolean backOnPrimary,
            double busyEndMs, String errors, int[] buckets, int[] failedBuckets, List<Chart.Line> lines) {
    }

    public static void main(String[] args) throws Exception {
        List<Scenario> scenarios = new ArrayList<>();
        List<Profile> profiles = new ArrayList<>(List.of(Profile.values()));
        int runs = 3;
        long seed = 42;
        long afterMs = 3000;
        long fallbackWaitMs = 10000;
        int maxPhaseMs = 5000;
        Path charts = Path.of("multidb-bench/results/charts");
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--runs" -> runs = Integer.parseInt(args[++i]);
                case "--seed" -> seed = Long.parseLong(args[++i]);
                case "--after-ms" -> afterMs = Long.parseLong(args[++i]);
                case "--fallback-wait-ms" -> fallbackWaitMs = Long.parseLong(args[++i]);
                case "--max-phase-ms" -> maxPhaseMs = Integer.parseInt(args[++i]);
                case "--charts" -> charts = Path.of(args[++i]);
                case "--clients" -> profiles = Arrays.stream(args[++i].split(",")).map(Profile::parse).toList();
                case "-h", "--help" -> {
                    System.out.println("usage: ClientComparison [kill] [freeze] [blackhole] [latency] [flap] [outage] [busy] "
                            + "[--runs N] [--seed S] [--clients multidb-default,multidb-tuned,lettuce-default,"
                            + "lettuce-tuned,jedis-default,jedis-tuned] [--after-ms MS] [--fallback-wait-ms MS] "
                            + "[--max-phase-ms MS] [--charts DIR]");
                    return;
                }
                default -> scenarios.add(Scenario.valueOf(args[i].toUpperCase(Locale.ROOT)));
            }
        }
        if (scenarios.isEmpty()) {
            scenarios.addAll(List.of(Scenario.KILL, Scenario.FREEZE, Scenario.BLACKHOLE));
        }
        System.out.printf("# Side-by-side failover: %s, clients %s, %d runs each, seed %d, writer stops %d ms after the "
                + "fault (flap: after the last restart + that; outage: %d ms after the restart), fault phase uniform "
                + "in 0..%d ms after connect%n%n", scenarios, profiles.stream().map(Profile::id).toList(), runs, seed,
                afterMs, fallbackWaitMs, maxPhaseMs);
        LETTUCE_LOG.setLevel(java.util.logging.Level.SEVERE);
        warmUp();
        Random random = new Random(seed);
        for (Scenario scenario : scenarios) {
            int[] phases = new int[runs];
            for (int r = 0; r < runs; r++) {
                phases[r] = random.nextInt(maxPhaseMs + 1);
            }
            Map<Profile, List<Run>> results = new LinkedHashMap<>();
            profiles.forEach(p -> results.put(p, new ArrayList<>()));
            for (int r = 0; r < runs; r++) {
                for (Profile profile : profiles) { // interleaved so that machine load hits all clients alike
                    Run run;
                    try {
                        run = runOnce(scenario, profile, r + 1, phases[r], afterMs, fallbackWaitMs);
                    } catch (Exception e) {
                        System.err.printf("[%s %s %d/%d] FAILED: %s%n", scenario.id(), profile.id(), r + 1, runs, e);
                        continue;
                    }
                    results.get(profile).add(run);
                    System.err.printf(Locale.ROOT, "[%s %s %d/%d] phase %d recovery %s gap %s failed %d longest %s "
                            + "switch %s (%d changes) fallback %s acked %d missing %d failed-applied %d applied-late %s "
                            + "ends-on-primary %s calls %d%s %s%n",
                            scenario.id(), profile.id(), r + 1, runs, run.phaseMs(), fmt(run.recoveryMs()),
                            fmt(run.maxGapMs()), run.failed(), fmt(run.longestMs()), fmt(run.switchMs()), run.switches(),
                            fmt(run.fallbackMs()), run.acked(), run.ackedMissing(), run.failedApplied(),
                            Double.isNaN(run.lateApplied()) ? "n/a" : fmt(run.lateApplied()), run.backOnPrimary(), run.calls(),
                            run.writerStuck() ? " WRITER STUCK" : "", run.errors());
                }
            }
            printTable(scenario, results);
            writeChart(charts, scenario, results, afterMs, fallbackWaitMs);
        }
        System.exit(0); // do not wait for lingering non-daemon client threads
    }

    static Run runOnce(Scenario scenario, Profile profile, int index, int phaseMs, long afterMs, long fallbackWaitMs)
            throws Exception {
        RedisServer primary = RedisServer.start();
        RedisServer standby = RedisServer.start();
        FaultProxy proxy = scenario.needsProxy() ? FaultProxy.start(primary.host(), primary.port()) : null;
        BenchClient client = null;
        Writer writer = null;
        ActiveMonitor monitor = null;
        try {
            BenchClient.Endpoints endpoints = new BenchClient.Endpoints(primary.host(),
                    proxy != null ? proxy.port() : primary.port(), standby.host(), standby.port());
            client = profile.create(endpoints);
            long created = System.nanoTime();
            String first = client.activeName();
            if (!"primary".equals(first)) {
                throw new IllegalStateException(profile.id() + ": primary is not active at start: " + first);
            }
            monitor = new ActiveMonitor(client);
            monitor.start();
            writer = new Writer(client);
            writer.start();

            Scenario.sleepUntil(created + phaseMs * MS);
            long fault = System.nanoTime();
            List<Scenario.Mark> marks = new ArrayList<>();
            scenario.run(primary, proxy, fault, afterMs, fallbackWaitMs, marks);
            long stop = System.nanoTime();
            writer.halt();
            writer.join(5000);
            boolean stuck = writer.isAlive();
            if (stuck) { // e.g. a 60 s command timeout on a frozen server: closing the client ends the call
                client.close();
                client = null;
                writer.join(10000);
            }
            String activeAtStop = stuck ? "?" : client.activeName();
            monitor.halt();
            scenario.cleanUp(primary, proxy);
            // A thawed server or a healed network may still deliver a write the client gave up on: let it land
            // before the servers are read ("writes applied late").
            Thread.sleep(LATE_SETTLE_MS);
            if (writer.count == 0) {
                throw new IllegalStateException(profile.id() + ": the writer made no call (did it die? see stderr)");
            }
            return measure(profile, index, phaseMs, scenario, fault, stop, marks, writer, monitor, primary, standby, stuck,
                    activeAtStop);
        } finally {
            if (writer != null) {
                writer.halt();
            }
            if (monitor != null) {
                monitor.halt();
            }
            scenario.cleanUp(primary, proxy);
            if (client != null) {
                try {
                    client.close();
                } catch (RuntimeException e) {
                    System.err.println("close failed: " + e);
                }
            }
            if (proxy != null) {
                proxy.close();
            }
            primary.close();
            standby.close();
        }
    }

    private static Run measure(Profile profile, int index, int phaseMs, Scenario scenario, long fault, long stop,
            List<Scenario.Mark> marks, Writer w, ActiveMonitor monitor, RedisServer primary, RedisServer standby,
            boolean stuck, String activeAtStop) {
        long effective = marks.get(0).nanos();
        long lastKill = marks.stream().filter(m -> m.label().equals("kill")).mapToLong(Scenario.Mark::nanos).max()
                .orElse(Long.MIN_VALUE);
        long restart = marks.stream().filter(m -> m.label().equals("restart")).mapToLong(Scenario.Mark::nanos).max()
                .orElse(-1);
        Set<String> stored = new HashSet<>();
        Set<String> onPrimary = keys(primary);
        Set<String> onStandby = keys(standby);
        stored.addAll(onPrimary);
        stored.addAll(onStandby);
        // Each call writes its own key, so an acknowledged key on both servers was applied by both: by one when the
        // client acknowledged it, by the other one late (after the client had given up on it and written it
        // elsewhere). Only countable while the primary still holds what it applied (no kill without persistence).
        boolean lateCountable = primary.isRunning() && standby.isRunning() && !marks.stream()
                .anyMatch(m -> m.label().equals("kill"));
        int late = 0;
        int n = w.count;
        double recovery = Double.NaN;
        long lastOkEnd = -1;
        long maxGap = 0;
        long longest = 0;
        int failed = 0;
        int failedAfterRestart = 0;
        int missing = 0;
        int failedApplied = 0;
        long acked = 0;
        Map<String, Integer> errors = new TreeMap<>();
        double fromS = -CHART_BEFORE_S;
        int[] buckets = new int[(int) Math.ceil(((stop - fault) / (double) MS + CHART_BEFORE_S * 1000) / Chart.BUCKET_MS)];
        int[] failedBuckets = new int[buckets.length];
        for (int i = 0; i < n; i++) {
            long start = w.starts[i];
            long end = w.ends[i];
            longest = Math.max(longest, end - start);
            boolean exists = stored.contains(Writer.key(i));
            if (w.ok[i]) {
                acked++;
                if (onPrimary.contains(Writer.key(i)) && onStandby.contains(Writer.key(i))) {
                    late++;
                }
                if (!exists && end > lastKill) {
                    missing++;
                }
                if (Double.isNaN(recovery) && start >= effective) {
                    recovery = (end - fault) / (double) MS;
                }
                if (lastOkEnd >= 0 && end >= fault) {
                    maxGap = Math.max(maxGap, end - Math.max(lastOkEnd, fault));
                }
                lastOkEnd = end;
                int b = (int) Math.floor(((end - fault) / (double) MS / 1000.0 - fromS) * 1000 / Chart.BUCKET_MS);
                if (b >= 0 && b < buckets.length) {
                    buckets[b]++;
                }
            } else {
                if (end >= fault) {
                    failed++;
                }
                int fb = (int) Math.floor(((end - fault) / (double) MS / 1000.0 - fromS) * 1000 / Chart.BUCKET_MS);
                if (fb >= 0 && fb < failedBuckets.length) {
                    failedBuckets[fb]++;
                }
                if (restart > 0 && end >= restart) {
                    failedAfterRestart++;
                }
                if (exists) {
                    failedApplied++;
                }
                String e = w.errors[i];
                errors.merge(e.length() > 60 ? e.substring(0, 60) + "…" : e, 1, Integer::sum);
            }
        }
        // The outage still open when the writer stopped (or its last call ended, if that was later) counts too.
        long windowEnd = n > 0 ? Math.max(stop, w.ends[n - 1]) : stop;
        maxGap = Math.max(maxGap, windowEnd - Math.max(lastOkEnd, fault));
        long switchAt = monitor.firstChangeTo("standby", fault);
        long backAt = restart > 0 ? monitor.firstChangeTo("primary", restart) : -1;
        long busyEnd = marks.stream().filter(m -> m.label().equals("busy-end")).mapToLong(Scenario.Mark::nanos).max()
                .orElse(-1);
        boolean okAfterBusy = false; // for busy: a write that succeeded after the script ended, and on the primary
        for (int i = n - 1; i >= 0 && busyEnd > 0 && w.ends[i] > busyEnd; i--) {
            okAfterBusy |= w.ok[i];
        }
        boolean backOnPrimary = "primary".equals(activeAtStop) && (busyEnd < 0 || okAfterBusy);
        int switches = (int) monitor.changes().stream().filter(c -> c.nanos() >= fault).count();
        List<Chart.Line> lines = new ArrayList<>();
        for (Scenario.Mark m : marks) {
            if (!m.label().equals("effective")) {
                lines.add(new Chart.Line((m.nanos() - fault) / (double) MS / 1000.0,
                        m.label().equals("restart") || m.label().equals("busy-end") ? Chart.RESTART : Chart.FAULT));
            }
        }
        if (!marks.stream().anyMatch(m -> m.label().equals("kill"))) {
            lines.add(new Chart.Line(0, Chart.FAULT));
        }
        for (ActiveMonitor.Change c : monitor.changes()) {
            if (c.nanos() >= fault) {
                lines.add(new Chart.Line((c.nanos() - fault) / (double) MS / 1000.0,
                        c.name().equals("primary") ? Chart.BACK : Chart.SWITCH));
            }
        }
        return new Run(profile, index, phaseMs, recovery, maxGap / (double) MS, failed, longest / (double) MS,
                switchAt < 0 ? Double.NaN : (switchAt - fault) / (double) MS, switches, acked, missing, failedApplied,
                lateCountable ? late : Double.NaN, backAt < 0 ? Double.NaN : (backAt - restart) / (double) MS,
                failedAfterRestart, n, stuck, backOnPrimary, busyEnd < 0 ? Double.NaN : (busyEnd - fault) / (double) MS,
                errors.isEmpty() ? "-" : errors.toString(), buckets, failedBuckets, lines);
    }

    private static Set<String> keys(RedisServer server) {
        if (!server.isRunning()) {
            return Set.of();
        }
        String keys = server.command("KEYS", "w:*");
        return keys == null || keys.isEmpty() ? Set.of() : new HashSet<>(Arrays.asList(keys.split("\n")));
    }

    /** One plain Lettuce connection so Netty is loaded before the first client is timed (see JvmWarmup). */
    private static void warmUp() {
        try (RedisServer warm = RedisServer.start()) {
            RedisClient client = RedisClient.create(warm.uri());
            try (StatefulRedisConnection<String, String> connection = client.connect()) {
                connection.sync().echo("warm-up");
            } finally {
                client.shutdown();
            }
        }
    }

    // ---------------------------------------------------------------- output

    static void printTable(Scenario scenario, Map<Profile, List<Run>> results) {
        boolean restarts = scenario == Scenario.OUTAGE || scenario == Scenario.FLAP;
        boolean busy = scenario == Scenario.BUSY;
        int runs = results.values().stream().mapToInt(List::size).max().orElse(0);
        System.out.printf("### Scenario `%s` (p50 / max over %d runs per client)%n%n", scenario.id(), runs);
        System.out.print("| client | runs | recovery (ms) | longest gap (ms) | failed calls | longest call (ms) "
                + "| switch to standby (ms) | endpoint changes | acked writes missing | failed but applied "
                + "| writes applied late |");
        System.out.println(restarts ? " fall back after restart (ms) | failed calls after restart |"
                : busy ? " script ran (ms) | traffic back on the primary |" : "");
        System.out.println("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|" + (restarts || busy ? "---:|---:|" : ""));
        for (Map.Entry<Profile, List<Run>> e : results.entrySet()) {
            List<Run> r = e.getValue();
            System.out.printf("| %s | %d%s | %s | %s | %s | %s | %s | %s | %s | %s | %s |", e.getKey().id(), r.size(),
                    r.stream().anyMatch(Run::writerStuck) ? " (writer stuck in " + r.stream().filter(Run::writerStuck)
                            .count() + ")" : "",
                    cell(r, Run::recoveryMs), cell(r, Run::maxGapMs), cell(r, x -> x.failed()), cell(r, Run::longestMs),
                    cell(r, Run::switchMs), cell(r, x -> x.switches()), cell(r, x -> x.ackedMissing()),
                    cell(r, x -> x.failedApplied()), r.stream().allMatch(x -> Double.isNaN(x.lateApplied()))
                            ? "n/a (primary killed)" : cell(r, Run::lateApplied));
            if (restarts) {
                System.out.printf(" %s | %s |", cell(r, Run::fallbackMs), cell(r, x -> x.failedAfterRestart()));
            }
            if (busy) {
                System.out.printf(" %s | %d of %d |", cell(r, Run::busyEndMs), r.stream().filter(Run::backOnPrimary).count(),
                        r.size());
            }
            System.out.println();
        }
        System.out.println();
        System.out.println("<details><summary>errors seen (first run per client)</summary>");
        System.out.println();
        for (Map.Entry<Profile, List<Run>> e : results.entrySet()) {
            if (!e.getValue().isEmpty()) {
                System.out.printf("- %s: %s%n", e.getKey().id(), e.getValue().get(0).errors());
            }
        }
        System.out.println();
        System.out.println("</details>");
        System.out.println();
        System.out.flush();
    }

    private static void writeChart(Path dir, Scenario scenario, Map<Profile, List<Run>> results, long afterMs,
            long fallbackWaitMs) throws Exception {
        List<Chart.Panel> panels = new ArrayList<>();
        for (Map.Entry<Profile, List<Run>> e : results.entrySet()) {
            if (!e.getValue().isEmpty()) {
                Run run = e.getValue().get(0);
                panels.add(new Chart.Panel(e.getKey().id() + " (run " + run.index() + ")", run.buckets(), run.failedBuckets(), run.lines()));
            }
        }
        Path file = dir.resolve(scenario.id() + ".png");
        Chart.write(file, "Scenario " + scenario.id() + ": successful SETs per 100 ms around the fault (run 1 of each "
                + "client)", -CHART_BEFORE_S, panels);
        System.out.printf("Chart: `%s`%n%n", file);
    }

    private static String cell(List<Run> runs, ToDoubleFunction<Run> f) {
        double[] v = runs.stream().mapToDouble(f).toArray();
        long none = Arrays.stream(v).filter(Double::isNaN).count();
        double[] present = Arrays.stream(v).filter(d -> !Double.isNaN(d)).sorted().toArray();
        if (present.length == 0) {
            return runs.isEmpty() ? "n/a" : "none";
        }
        String s = fmt(present[(int) Math.ceil(present.length * 0.5) - 1]) + " / " + fmt(present[present.length - 1]);
        return none > 0 ? s + " (" + none + "× none)" : s;
    }

    private static String fmt(double v) {
        if (Double.isNaN(v)) {
            return "none";
        }
        return String.format(Locale.ROOT, "%.0f", v); // whole milliseconds / counts
    }

    private ClientComparison() {
    }
}
