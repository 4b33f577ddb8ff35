package dev.multidb.bench.chaos;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Random;

/**
 * The faults of one run, drawn from a seed so a run can be repeated. Faults come one after another
 * (2–5 s apart) from a shuffled deck of every kind, so each kind occurs in every run of two minutes or
 * more; a database is added at 35 % of the run and one is removed at 65 %.
 */
final class FaultPlan {

    enum Kind {
        KILL, FREEZE, BLACKHOLE, LATENCY, RESET, FLAP,
        /** A Lua busy loop on the active database (its target index is ignored), sent straight to its server(s). */
        SLOW_COMMAND,
        ALL_DOWN, ADD_DATABASE, REMOVE_DATABASE,
        /** SIGKILL of a Sentinel group's master: its replica is promoted inside the database (only with a Sentinel member). */
        PROMOTE;

        String id() {
            return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
        }
    }

    /**
     * @param atMillis  when, from the start of the load
     * @param holdMillis how long the fault lasts before it heals
     * @param target    index into the member databases at that moment (modulo their number)
     * @param param     latency in ms for LATENCY; 0 = kill, 1 = black-hole for ALL_DOWN
     */
    record Fault(Kind kind, long atMillis, long holdMillis, int target, int param) {
    }

    private static final List<Kind> DECK = List.of(Kind.KILL, Kind.FREEZE, Kind.BLACKHOLE, Kind.LATENCY, Kind.RESET,
            Kind.FLAP, Kind.SLOW_COMMAND, Kind.ALL_DOWN);
    private static final long FIRST_MS = 4_000;

    private FaultPlan() {
    }

    /** {@code withPromotions}: a member is a Sentinel group, so {@link Kind#PROMOTE} joins the deck. */
    static List<Fault> draw(long seed, Duration duration, boolean withPromotions) {
        Random random = new Random(seed);
        long end = duration.toMillis() - 2_000;
        List<Fault> faults = new ArrayList<>();
        List<Kind> deck = new ArrayList<>();
        long t = FIRST_MS;
        while (t < end) {
            if (deck.isEmpty()) {
                deck.addAll(DECK);
                if (withPromotions) {
                    deck.add(Kind.PROMOTE);
                }
                Collections.shuffle(deck, random);
            }
            Kind kind = deck.remove(deck.size() - 1);
            long hold = switch (kind) {
                case KILL -> between(random, 1_000, 4_000);
                case PROMOTE -> 6_000; // about what the Sentinels take: down-after (3 s), the election, the restart
                case FREEZE, BLACKHOLE -> between(random, 1_000, 3_000);
                case LATENCY, FLAP -> between(random, 2_000, 5_000);
                case ALL_DOWN -> between(random, 2_000, 4_000);
                case SLOW_COMMAND -> between(random, 500, 2_500);
                default -> 0;
            };
            int param = kind == Kind.LATENCY ? (int) between(random, 20, 250) : kind == Kind.ALL_DOWN ? random.nextInt(2) : 0;
            faults.add(new Fault(kind, t, hold, random.nextInt(1_000), param));
            t += hold + between(random, 2_000, 5_000);
        }
        faults.add(new Fault(Kind.ADD_DATABASE, duration.toMillis() * 35 / 100, 0, 0, 0));
        faults.add(new Fault(Kind.REMOVE_DATABASE, duration.toMillis() * 65 / 100, 0, random.nextInt(1_000), 0));
        faults.sort(Comparator.comparingLong(Fault::atMillis));
        return faults;
    }

    private static long between(Random random, long from, long to) {
        return from + (long) (random.nextDouble() * (to - from));
    }
}
