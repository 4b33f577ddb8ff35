package dev.multidb.failover;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.logging.Level;
import java.util.logging.Logger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.multidb.ActiveDatabaseChangedEvent;
import dev.multidb.DatabaseConfig;
import dev.multidb.MultiDbConfig;
import dev.multidb.MultiDbEvent;
import dev.multidb.NoValidDatabaseException;
import dev.multidb.SwitchReason;
import dev.multidb.TemporaryUnavailableException;
import dev.multidb.circuit.CircuitState;
import dev.multidb.health.HealthResult;

/** Named switching scenarios on the fake clock and scheduler: each one step by step, no Redis, no threads. */
class FailoverCoreTest {

    private static final Logger FAILOVER_LOGS = Logger.getLogger("dev.multidb.failover");
    private Level before;

    private final FakeScheduler scheduler = new FakeScheduler();
    private final List<FakeDatabase.PendingPrepare> prepares = new ArrayList<>();
    private final List<MultiDbEvent> events = new ArrayList<>();
    /** Whether each fake answers health checks and preparations (at once) with success. */
    private final Map<FakeDatabase, Boolean> up = new HashMap<>();
    private final MultiDbConfig config = MultiDbConfig.builder()
            .database(DatabaseConfig.builder().fromUrl("redis://127.0.0.1:1").build())
            .healthCheckInterval(Duration.ofMillis(200))
            .failoverAttempts(3).failoverDelay(Duration.ofMillis(500))
            .autoFallbackInterval(Duration.ofMillis(500))
            .build();
    private final FailoverCore<FakeDatabase> core = new FailoverCore<>(config, scheduler,
            (db, oneProbe) -> CompletableFuture.completedFuture(up.get(db)
                    ? new HealthResult(true, 1_000_000, null) : new HealthResult(false, -1, new IOException(db.name() + " is down"))),
            events::add, scheduler::now, new Random(1));
    private final FakeDatabase primary = database("primary", 2.0);
    private final FakeDatabase secondary = database("secondary", 1.0);

    @BeforeEach
    void quiet() {
        before = FAILOVER_LOGS.getLevel();
        FAILOVER_LOGS.setLevel(Level.OFF);
    }

    @AfterEach
    void restore() {
        FAILOVER_LOGS.setLevel(before);
    }

    private FakeDatabase database(String name, double weight) {
        FakeDatabase db = new FakeDatabase(name, weight, Duration.ofSeconds(5), scheduler::now, prepare -> {
            if (up.get(prepare.db())) {
                prepare.db().prepared(prepare.future(), true);
            } else {
                prepares.add(prepare);
            }
        });
        up.put(db, true);
        return db;
    }

    private void startBoth() throws Exception {
        core.initialize(List.of(primary, secondary), Duration.ofSeconds(1));
        core.start();
        scheduler.runDue();
    }

    private List<SwitchReason> reasons() {
        return events.stream().filter(ActiveDatabaseChangedEvent.class::isInstance).map(e -> ((ActiveDatabaseChangedEvent) e).reason()).toList();
    }

    /** Defect 6, deterministically: the secondary's circuit is OPEN for 5 s, its checks pass; the manual choice stands. */
    @Test
    void aManualChoiceWithAnOpenCircuitStandsUntilItFailsAHealthCheck() throws Exception {
        startBoth();
        assertThat(core.active()).isSameAs(primary);
        core.tripped(secondary);
        scheduler.advance(Duration.ofMillis(400).toNanos()); // two health checks of each pass; the grace period is 5 s
        assertThat(secondary.circuitState()).isEqualTo(CircuitState.OPEN);
        assertThat(secondary.isHealthy()).isTrue();

        CompletableFuture<Void> chosen = core.setActive(secondary);
        scheduler.runDue();

        assertThat(chosen).isCompleted();
        assertThat(core.active()).isSameAs(secondary);
        scheduler.advance(Duration.ofSeconds(3).toNanos()); // 15 health checks each, 6 fallback timer runs
        assertThat(core.active()).isSameAs(secondary);

        up.put(secondary, false);
        scheduler.advance(Duration.ofMillis(200).toNanos()); // its next check fails: the choice is over
        assertThat(core.active()).isSameAs(primary);
        assertThat(reasons()).containsExactly(SwitchReason.INITIAL, SwitchReason.MANUAL, SwitchReason.FAILOVER);
    }

    /** DESIGN rule 7 on the fake clock: TemporaryUnavailable for 3 × 500 ms after the loss, then NoValidDatabase; rule 1 ends it. */
    @Test
    void losingEverythingRefusesTemporarilyThenForGoodAndTheFirstAnswerEndsIt() throws Exception {
        startBoth();
        up.put(primary, false);
        up.put(secondary, false);
        scheduler.advance(Duration.ofMillis(200).toNanos());
        assertThat(core.active()).isNull();
        long lostAt = core.unavailableSinceNanos();

        scheduler.advance(lostAt + Duration.ofMillis(1499).toNanos() - scheduler.now());
        assertThatThrownBy(core::activeOrThrow).isInstanceOf(TemporaryUnavailableException.class);
        scheduler.advance(Duration.ofMillis(1).toNanos());
        assertThatThrownBy(core::activeOrThrow).isInstanceOf(NoValidDatabaseException.class);

        up.put(secondary, true); // its circuit is OPEN with 5 s of grace left: it is used at once anyway
        scheduler.advance(Duration.ofMillis(200).toNanos());
        assertThat(core.active()).isSameAs(secondary);
        assertThat(secondary.circuitState()).isEqualTo(CircuitState.OPEN);
        assertThat(reasons()).endsWith(SwitchReason.RECOVERY);
    }

    /** A switch whose preparation answers after a newer decision does not move traffic: the generation says it is stale. */
    @Test
    void aSupersededSwitchDoesNotMoveTrafficWhenItsPreparationFinallyAnswers() throws Exception {
        FakeDatabase third = database("third", 0.5);
        core.initialize(List.of(primary, secondary, third), Duration.ofSeconds(1));
        core.start();
        scheduler.runDue();
        secondary.abandonCommandConnection();
        up.put(secondary, false); // its preparation now waits for the test; its health checks fail
        CompletableFuture<Void> toSecondary = core.setActive(secondary);
        scheduler.runDue();
        assertThat(prepares).hasSize(1);

        CompletableFuture<Void> toThird = core.setActive(third);
        scheduler.runDue();
        assertThat(core.active()).isSameAs(third);
        secondary.prepared(prepares.remove(0).future(), true);
        scheduler.runDue();

        assertThat(core.active()).isSameAs(third);
        assertThat(toThird).isCompleted();
        assertThat(toSecondary).failsWithin(Duration.ZERO).withThrowableOfType(ExecutionException.class)
                .withMessageContaining("superseded");
    }

    /** A caller waiting on the coordinator is answered when the client closes, not at its timeout (defect 15). */
    @Test
    void closingAnswersACallStillWaitingForItsSwitch() throws Exception {
        startBoth();
        secondary.abandonCommandConnection();
        up.put(secondary, false);
        secondary.setHealthy(true, 1); // its last check passed; the preparation hangs
        CompletableFuture<Void> choice = core.setActive(secondary);
        scheduler.runDue();
        assertThat(choice).isNotDone();

        scheduler.shutdownNow();
        core.close();

        assertThat(choice).failsWithin(Duration.ZERO).withThrowableOfType(ExecutionException.class)
                .withCauseInstanceOf(IllegalStateException.class).withMessageContaining("closed");
        assertThat(core.setActive(primary)).failsWithin(Duration.ZERO).withThrowableOfType(ExecutionException.class)
                .withCauseInstanceOf(IllegalStateException.class);
    }
}
