package dev.multidb.failover;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.logging.Level;
import java.util.logging.Logger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The failover machinery under thousands of seeded interleavings of health results, preparations,
 * outages, trips, suspicions, weight changes, manual choices, additions, removals, stalls and timer
 * ticks, on a fake clock, with no Redis and no real threads. A failing run names its seed; rerun
 * it alone with {@code -Dmultidb.simulation.seed=N}.
 *
 * <p>Invariants, after every step (see {@link SwitchingSimulation}):
 * <ul>
 * <li>rule 1: nothing is active while a member's latest health check passed only while a decision
 * is pending: a switch being prepared (its preparation not answered yet) or a health check;</li>
 * <li>the active database is a member; the switch listeners saw every change, in order, never two
 * at once; {@code activeChanges} counts them;</li>
 * <li>while nothing is active, TemporaryUnavailable before failoverAttempts × failoverDelay of clock
 * time since the active database was lost, NoValidDatabase from then on;</li>
 * <li>a manual choice whose health checks pass is not moved by FAILOVER or FALLBACK;</li>
 * <li>no timer is lost: periodic checks of every member, the stall watch, the fallback timer, and
 * the re-check loop while nothing is active;</li>
 * <li>after a drain (every answer at once, ten seconds of clock): every request answered, no switch
 * pending, an up member active if any is up (the heaviest, with auto fallback and no manual choice).</li>
 * </ul>
 */
class SwitchingSimulationTest {

    private static final int SEEDS = 2000;
    private static final int STEPS = 200;
    private static final Logger FAILOVER_LOGS = Logger.getLogger("dev.multidb.failover");
    private Level before;

    @BeforeEach
    void quiet() {
        before = FAILOVER_LOGS.getLevel();
        FAILOVER_LOGS.setLevel(Level.OFF); // hundreds of thousands of switches are not worth a log line each
    }

    @AfterEach
    void restore() {
        FAILOVER_LOGS.setLevel(before);
    }

    @Test
    void invariantsHoldOverThousandsOfSeededInterleavings() {
        String only = System.getProperty("multidb.simulation.seed");
        long first = only == null ? 0 : Long.parseLong(only);
        long count = only == null ? SEEDS : 1;
        long started = System.nanoTime();
        for (long seed = first; seed < first + count; seed++) {
            new SwitchingSimulation(seed).run(STEPS);
        }
        long millis = (System.nanoTime() - started) / 1_000_000;
        System.out.println("switching simulation: " + count + " seeds x " + STEPS + " steps in " + millis + " ms");
        assertThat(millis).as("run time").isLessThan(60_000);
    }
}
