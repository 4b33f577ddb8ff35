package dev.multidb.bench.chaos;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

import dev.multidb.bench.chaos.ChaosRun.Applied;
import dev.multidb.bench.chaos.ChaosRun.Outcome;
import dev.multidb.bench.chaos.FaultPlan.Kind;

/**
 * The chaos soak: real redis-servers behind fault proxies, 8 threads of mixed traffic, seeded random
 * faults, and invariants checked at the end. Prints a Markdown report on stdout (progress on stderr)
 * and exits with 1 when an invariant is broken.
 *
 * <pre>
 * java -cp multidb-bench/target/multidb-bench.jar dev.multidb.bench.chaos.ChaosSoak
 *      [--duration 2m] [--seed N] [--variants standalone-2,standalone-3,cluster-2,secured-3] [--workers 8] [--rate 100]
 * </pre>
 *
 * <p>{@code secured-N}: TLS members with client certificates and an ACL user, the first (heaviest) one a Sentinel group
 * (master, replica, three Sentinels; ACL user) whose master is also killed now and then so that its replica is promoted.
 */
public final class ChaosSoak {

    private ChaosSoak() {
    }

    public static void main(String[] args) throws Exception {
        Duration duration = Duration.ofMinutes(2);
        long seed = System.currentTimeMillis() % 100_000;
        List<String> variants = List.of("standalone-2", "standalone-3", "cluster-2", "secured-3");
        int workers = 8;
        int rate = 100;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--duration" -> duration = parseDuration(args[++i]);
                case "--seed" -> seed = Long.parseLong(args[++i]);
                case "--variants" -> variants = Arrays.asList(args[++i].split(","));
                case "--workers" -> workers = Integer.parseInt(args[++i]);
                case "--rate" -> rate = Integer.parseInt(args[++i]);
                case "-h", "--help" -> {
                    System.out.println("usage: ChaosSoak [--duration 2m|600s] [--seed N] [--variants standalone-2,standalone-3,cluster-2,secured-3]"
                            + " [--workers 8] [--rate OPS_PER_SECOND_PER_WORKER]");
                    return;
                }
                default -> throw new IllegalArgumentException("unknown argument '" + args[i] + "' (see --help)");
            }
        }
        List<Outcome> outcomes = new ArrayList<>();
        for (String variant : variants) {
            String[] parts = variant.split("-");
            if (parts.length != 2) {
                throw new IllegalArgumentException("a variant is standalone-N, cluster-N or secured-N, not '" + variant + "'");
            }
            ChaosRun.Topology topology = ChaosRun.Topology.of(parts[0]);
            int databases = Integer.parseInt(parts[1]);
            if (databases < 2 || databases > 3) {
                throw new IllegalArgumentException("a variant has 2 or 3 databases, not " + databases + " ('" + variant + "')");
            }
            Outcome outcome = new ChaosRun(variant, topology, databases, duration, seed, workers, rate).run();
            outcomes.add(outcome);
            print(outcome);
        }
        boolean passed = outcomes.stream().allMatch(Outcome::passed);
        System.out.printf("%s: %d of %d runs kept every invariant.%n", passed ? "PASSED" : "FAILED",
                outcomes.stream().filter(Outcome::passed).count(), outcomes.size());
        System.exit(passed ? 0 : 1); // lingering daemon threads of the test kit do not keep us waiting
    }

    static Duration parseDuration(String text) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        if (t.endsWith("m")) {
            return Duration.ofMinutes(Long.parseLong(t.substring(0, t.length() - 1)));
        }
        if (t.endsWith("s")) {
            return Duration.ofSeconds(Long.parseLong(t.substring(0, t.length() - 1)));
        }
        throw new IllegalArgumentException("--duration takes minutes or seconds, e.g. 2m or 90s, not '" + text + "'");
    }

    private static void print(Outcome o) {
        System.out.printf("## `%s`, seed %d, %d s of load%n%n", o.variant(), o.seed(), o.duration().toSeconds());
        System.out.printf("%,d calls (%,d failed, during faults), %d faults, %d switches of the active database, %d weight changes.%n%n",
                o.operations(), o.failedCalls(), o.faults().stream().filter(f -> !isMembership(f)).count(), o.switches(), o.weightChanges());
        System.out.println("| # | invariant | checked | violations | |");
        System.out.println("|---|---|---:|---:|---|");
        for (Invariants.Check c : o.checks()) {
            System.out.printf("| %s | %s | %,d | %d | %s%s |%n", c.number(), c.name(), c.checked(), c.violations(),
                    c.passed() ? "ok" : "**BROKEN**", c.detail().isEmpty() ? "" : " — " + c.detail().replace("|", "/"));
        }
        System.out.println();
        System.out.println("Recovery: fault → end of the first successful call started once the fault was in effect (ms).");
        System.out.println();
        System.out.println("| fault | count | p50 | p99 | max | on the active database: count | p50 | max |");
        System.out.println("|---|---:|---:|---:|---:|---:|---:|---:|");
        List<double[]> all = o.recoveries();
        for (Kind kind : Kind.values()) {
            List<double[]> mine = all.stream().filter(r -> r[0] == kind.ordinal()).toList();
            if (!mine.isEmpty()) {
                row(kind.id(), mine);
            }
        }
        List<double[]> allDown = all.stream().filter(r -> r[0] == Kind.ALL_DOWN.ordinal()).map(r -> new double[] { r[0], r[1], r[3] }).toList();
        if (!allDown.isEmpty()) {
            row("all-down, counted from the start of the heal", allDown);
        }
        row("all faults", all);
        System.out.println();
        System.out.println("Slow commands (a Lua busy loop of 0.5–2.5 s on the active database): " + o.slowCommands() + ".");
        System.out.println();
        System.out.println("<details><summary>fault schedule</summary>");
        System.out.println();
        long first = o.faults().isEmpty() ? 0 : o.faults().get(0).appliedNanos() - o.faults().get(0).fault().atMillis() * 1_000_000;
        for (int i = 0; i < o.faults().size(); i++) {
            Applied f = o.faults().get(i);
            System.out.printf(Locale.ROOT, "- %6.1f s %-15s %s%s, %d ms%s: %s%n", (f.appliedNanos() - first) / 1e9, f.fault().kind().id(),
                    f.target(), f.hitActive() ? " (active)" : "", (f.healedNanos() - f.appliedNanos()) / 1_000_000,
                    f.fault().kind() == Kind.LATENCY ? ", +" + f.fault().param() + " ms" : "", o.failuresPerFault().get(i));
        }
        System.out.println();
        System.out.println("</details>");
        System.out.println();
        System.out.flush();
    }

    private static boolean isMembership(Applied f) {
        return f.fault().kind() == Kind.ADD_DATABASE || f.fault().kind() == Kind.REMOVE_DATABASE;
    }

    private static void row(String name, List<double[]> recoveries) {
        double[] ms = sortedMillis(recoveries);
        double[] active = sortedMillis(recoveries.stream().filter(r -> r[1] == 1).toList());
        long never = recoveries.stream().filter(r -> Double.isNaN(r[2])).count();
        System.out.printf(Locale.ROOT, "| %s | %d | %s | %s | %s%s | %d | %s | %s |%n", name, recoveries.size(), percentile(ms, 0.50),
                percentile(ms, 0.99), percentile(ms, 1.0), never == 0 ? "" : " (" + never + " never)", active.length,
                percentile(active, 0.50), percentile(active, 1.0));
    }

    private static double[] sortedMillis(List<double[]> recoveries) {
        return recoveries.stream().mapToDouble(r -> r[2]).filter(v -> !Double.isNaN(v)).sorted().toArray();
    }

    private static String percentile(double[] sorted, double p) {
        return sorted.length == 0 ? "–" : String.format(Locale.ROOT, "%.0f", sorted[Math.max(0, (int) Math.ceil(sorted.length * p) - 1)]);
    }
}
