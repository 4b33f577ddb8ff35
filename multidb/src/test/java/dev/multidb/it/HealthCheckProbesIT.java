package dev.multidb.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

import dev.multidb.ActiveDatabaseChangedEvent;
import dev.multidb.Database;
import dev.multidb.HealthStatusChangedEvent;
import dev.multidb.MultiDbClient;
import dev.multidb.MultiDbConfig;
import dev.multidb.SwitchReason;
import dev.multidb.health.HealthCheck;
import dev.multidb.health.HealthCheckPolicy;
import dev.multidb.health.HealthCheckTarget;
import dev.multidb.health.InitialHealthCheckPolicy;
import dev.multidb.testkit.RedisServer;

/**
 * {@code healthCheckProbes}, {@code healthCheckDelay} and {@code healthCheckPolicy} inside a running
 * client: with 3 probes and a check that fails once out of three, each policy gives the verdict its
 * Javadoc documents, deciding as soon as the verdict is certain; and probes are at least the delay apart.
 */
class HealthCheckProbesIT {

    private final RedisServer primary = RedisServer.start();
    private final RedisServer secondary = RedisServer.start();
    private final Fixtures.Recorder recorder = new Fixtures.Recorder();
    private MultiDbClient<String, String> client;

    @AfterEach
    void stop() {
        if (client != null) {
            client.close();
        }
        primary.close();
        secondary.close();
    }

    /**
     * Answers for the primary from a script, one answer per call ({@code true} once the script is
     * used up); always {@code true} for other databases. Records the time of every call.
     */
    static final class ScriptedCheck implements HealthCheck {
        final List<Boolean> primaryScript = new CopyOnWriteArrayList<>();
        final Map<String, List<Long>> callNanos = new ConcurrentHashMap<>();
        final AtomicInteger primaryFailuresGiven = new AtomicInteger();

        @Override
        public CompletionStage<Boolean> check(HealthCheckTarget target) {
            String name = target.database().name();
            List<Long> calls = callNanos.computeIfAbsent(name, n -> new CopyOnWriteArrayList<>());
            calls.add(System.nanoTime());
            boolean answer = true;
            if (name.equals("primary")) {
                synchronized (primaryScript) {
                    if (!primaryScript.isEmpty()) {
                        answer = primaryScript.remove(0);
                    }
                }
                if (!answer) {
                    primaryFailuresGiven.incrementAndGet();
                }
            }
            return CompletableFuture.completedFuture(answer);
        }

        int calls(String name) {
            List<Long> calls = callNanos.get(name);
            return calls == null ? 0 : calls.size();
        }
    }

    private MultiDbConfig.Builder config(ScriptedCheck check, HealthCheckPolicy policy) {
        return Fixtures.twoDatabases(primary.uri(), secondary.uri())
                .defaultHealthCheck(false)
                .healthCheck(check)
                .healthCheckProbes(3)
                .healthCheckPolicy(policy)
                .listener(ActiveDatabaseChangedEvent.class, recorder.events::add)
                .listener(HealthStatusChangedEvent.class, recorder.events::add);
    }

    private Database database(String name) {
        return client.databases().stream().filter(d -> d.name().equals(name)).findFirst().orElseThrow();
    }

    private String active() {
        Database db = client.activeDatabase();
        return db == null ? null : db.name();
    }

    /**
     * The failing probe's position (1-based) among three, and what each policy concludes: the
     * verdict and how many probes it needed to be certain.
     */
    static Stream<Arguments> oneFailureOutOfThree() {
        return Stream.of(
                Arguments.of(HealthCheckPolicy.HEALTHY_ALL, 1, false, 1),
                Arguments.of(HealthCheckPolicy.HEALTHY_ALL, 2, false, 2),
                Arguments.of(HealthCheckPolicy.HEALTHY_ALL, 3, false, 3),
                Arguments.of(HealthCheckPolicy.HEALTHY_MAJORITY, 1, true, 3),
                Arguments.of(HealthCheckPolicy.HEALTHY_MAJORITY, 2, true, 3),
                Arguments.of(HealthCheckPolicy.HEALTHY_MAJORITY, 3, true, 2),
                Arguments.of(HealthCheckPolicy.HEALTHY_ANY, 1, true, 2),
                Arguments.of(HealthCheckPolicy.HEALTHY_ANY, 2, true, 1),
                Arguments.of(HealthCheckPolicy.HEALTHY_ANY, 3, true, 1));
    }

    /**
     * The first health check of the client (at start-up) with the failing probe at a known place:
     * the verdict decides which database carries the traffic, and the number of calls shows the
     * policy stopped probing once it was certain.
     */
    @ParameterizedTest(name = "{0}, probe {1} of 3 fails: healthy={2} after {3} probes")
    @MethodSource("oneFailureOutOfThree")
    void eachPolicyJudgesOneFailedProbeOutOfThreeAsDocumented(HealthCheckPolicy policy, int failingProbe,
            boolean healthy, int probesNeeded) {
        ScriptedCheck check = new ScriptedCheck();
        for (int probe = 1; probe <= 3; probe++) {
            check.primaryScript.add(probe != failingProbe);
        }
        client = MultiDbClient.create(config(check, policy)
                // The primary may fail its first check: the client must start on the secondary then.
                .initialHealthCheckPolicy(InitialHealthCheckPolicy.ONE_AVAILABLE)
                // No periodic run may overwrite the first verdict before it is read.
                .healthCheckInterval(Duration.ofHours(1))
                .healthCheckDelay(Duration.ofMillis(20))
                .build());

        assertThat(check.calls("primary")).as("probes of the primary's first check").isEqualTo(probesNeeded);
        // The secondary passes every probe: the policy is certain after 3 (ALL), 2 (MAJORITY) or 1 (ANY).
        int passesNeeded = switch (policy) {
            case HEALTHY_ALL -> 3;
            case HEALTHY_MAJORITY -> 2;
            case HEALTHY_ANY -> 1;
        };
        assertThat(check.calls("secondary")).as("probes of the secondary's first check").isEqualTo(passesNeeded);
        assertThat(database("primary").isHealthy()).isEqualTo(healthy);
        assertThat(database("secondary").isHealthy()).isTrue();
        assertThat(active()).isEqualTo(healthy ? "primary" : "secondary");
    }

    /**
     * In a running client, one failed probe of the active database: under HEALTHY_ALL it is a failed
     * health check and traffic fails over.
     */
    @Test
    void underHealthyAllOneFailedProbeOfTheActiveDatabaseFailsOver() {
        ScriptedCheck check = new ScriptedCheck();
        client = MultiDbClient.create(config(check, HealthCheckPolicy.HEALTHY_ALL).build());
        assertThat(active()).isEqualTo("primary");

        check.primaryScript.add(false);
        await().atMost(Duration.ofSeconds(5)).until(() -> "secondary".equals(active()));
        assertThat(check.primaryFailuresGiven).hasValue(1);
        assertThat(recorder.of(ActiveDatabaseChangedEvent.class)).last()
                .satisfies(e -> assertThat(e.reason()).isEqualTo(SwitchReason.FAILOVER));
        // It passes again from the next run on: traffic falls back.
        await().atMost(Duration.ofSeconds(10)).until(() -> "primary".equals(active()));
    }

    /**
     * In a running client, one failed probe of the active database: HEALTHY_MAJORITY and HEALTHY_ANY
     * tolerate it (wherever it falls among the three), so nothing moves.
     */
    @ParameterizedTest
    @EnumSource(value = HealthCheckPolicy.class, names = {"HEALTHY_MAJORITY", "HEALTHY_ANY"})
    void underMajorityOrAnyOneFailedProbeOfTheActiveDatabaseMovesNothing(HealthCheckPolicy policy) {
        ScriptedCheck check = new ScriptedCheck();
        client = MultiDbClient.create(config(check, policy).build());
        assertThat(active()).isEqualTo("primary");

        check.primaryScript.add(false);
        await().atMost(Duration.ofSeconds(5)).until(() -> check.primaryFailuresGiven.get() == 1);
        // Let the run that got the failure end and two more runs follow, so its verdict has been applied.
        int afterFailure = check.calls("primary");
        await().atMost(Duration.ofSeconds(5)).until(() -> check.calls("primary") >= afterFailure + 4);

        assertThat(active()).isEqualTo("primary");
        assertThat(database("primary").isHealthy()).isTrue();
        assertThat(recorder.of(HealthStatusChangedEvent.class)).noneMatch(e -> e.database().name().equals("primary"));
        assertThat(recorder.of(ActiveDatabaseChangedEvent.class)).extracting(ActiveDatabaseChangedEvent::reason)
                .containsExactly(SwitchReason.INITIAL);
    }

    /**
     * The probes of one health check are at least {@code healthCheckDelay} apart (a generous lower
     * bound only: 0.8 of the delay). The first check of each database, at start-up, is one run of
     * three probes and nothing else runs meanwhile.
     */
    @Test
    void probesOfOneCheckAreAtLeastTheDelayApart() {
        Duration delay = Duration.ofMillis(400);
        ScriptedCheck check = new ScriptedCheck();
        client = MultiDbClient.create(config(check, HealthCheckPolicy.HEALTHY_ALL)
                .healthCheckDelay(delay)
                .healthCheckInterval(Duration.ofHours(1))
                .build());

        long lowerBound = delay.toNanos() * 8 / 10;
        for (String name : List.of("primary", "secondary")) {
            List<Long> calls = List.copyOf(check.callNanos.get(name));
            assertThat(calls).as("probes of %s's first check", name).hasSize(3);
            for (int i = 1; i < calls.size(); i++) {
                assertThat(calls.get(i) - calls.get(i - 1)).as("%s: probe %d after probe %d, in ns", name, i + 1, i)
                        .isGreaterThanOrEqualTo(lowerBound);
            }
        }
    }

    /** A database added at run time gets the same probes and delay on its first check. */
    @Test
    void aDatabaseAddedAtRunTimeIsProbedWithTheSameCountAndDelay() {
        Duration delay = Duration.ofMillis(300);
        ScriptedCheck check = new ScriptedCheck();
        try (RedisServer third = RedisServer.start()) {
            client = MultiDbClient.create(config(check, HealthCheckPolicy.HEALTHY_ALL)
                    .healthCheckDelay(delay)
                    .healthCheckInterval(Duration.ofHours(1))
                    .build());
            client.addDatabase(Fixtures.db("third", third.uri(), 0.1));

            List<Long> calls = List.copyOf(check.callNanos.get("third"));
            assertThat(calls).hasSize(3);
            for (int i = 1; i < calls.size(); i++) {
                assertThat(calls.get(i) - calls.get(i - 1)).isGreaterThanOrEqualTo(delay.toNanos() * 8 / 10);
            }
        }
    }
}
