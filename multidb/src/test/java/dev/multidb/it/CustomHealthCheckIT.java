package dev.multidb.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.multidb.ActiveDatabaseChangedEvent;
import dev.multidb.Database;
import dev.multidb.HealthStatusChangedEvent;
import dev.multidb.MultiDbClient;
import dev.multidb.MultiDbConfig;
import dev.multidb.SwitchReason;
import dev.multidb.circuit.CircuitState;
import dev.multidb.health.HealthCheck;
import dev.multidb.health.HealthCheckTarget;
import dev.multidb.testkit.RedisServer;

/**
 * A user's {@link HealthCheck}, given in the config or added at run time, is consulted for every
 * database of a running client, and its verdict moves traffic: away from the active database when
 * it says unhealthy, back (by the auto fallback timer) when it says healthy again.
 */
class CustomHealthCheckIT {

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
     * A check the test steers: it answers {@code false} for the databases named in {@link #unhealthy},
     * counts the calls per database, and records any call whose target's commands did not reach the
     * database under check (it asks the server for its port).
     */
    static final class SteeredCheck implements HealthCheck {
        final Set<String> unhealthy = ConcurrentHashMap.newKeySet();
        final Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();
        final List<String> wrongTargets = new CopyOnWriteArrayList<>();

        @Override
        public CompletionStage<Boolean> check(HealthCheckTarget target) {
            Database db = target.database();
            calls.computeIfAbsent(db.name(), n -> new AtomicInteger()).incrementAndGet();
            return target.commands().configGet("port").thenApply(reply -> {
                if (!String.valueOf(db.uri().getPort()).equals(reply.get("port"))) {
                    wrongTargets.add(db.name() + " checked through port " + reply.get("port"));
                }
                return !unhealthy.contains(db.name());
            });
        }

        int calls(String name) {
            AtomicInteger n = calls.get(name);
            return n == null ? 0 : n.get();
        }
    }

    private MultiDbConfig.Builder config() {
        return Fixtures.twoDatabases(primary.uri(), secondary.uri())
                .listener(ActiveDatabaseChangedEvent.class, recorder.events::add)
                .listener(HealthStatusChangedEvent.class, recorder.events::add);
    }

    private String active() {
        Database db = client.activeDatabase();
        return db == null ? null : db.name();
    }

    private Database database(String name) {
        return client.databases().stream().filter(d -> d.name().equals(name)).findFirst().orElseThrow();
    }

    private List<ActiveDatabaseChangedEvent> switches() {
        return recorder.of(ActiveDatabaseChangedEvent.class);
    }

    /** Every database is checked again by {@code check}, at least twice more than now. */
    private void awaitFreshCallsForEveryDatabase(SteeredCheck check) {
        int primaryBefore = check.calls("primary");
        int secondaryBefore = check.calls("secondary");
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            assertThat(check.calls("primary")).isGreaterThanOrEqualTo(primaryBefore + 2);
            assertThat(check.calls("secondary")).isGreaterThanOrEqualTo(secondaryBefore + 2);
        });
    }

    /** The check says unhealthy for the primary: traffic fails over; it says healthy: traffic falls back. */
    private void failOverAndBackBy(SteeredCheck check) {
        client.sync().set("k", "before");
        assertThat(primary.command("GET", "k")).isEqualTo("before");

        check.unhealthy.add("primary");
        await().atMost(Duration.ofSeconds(5)).until(() -> "secondary".equals(active()));
        assertThat(switches()).last().satisfies(e -> {
            assertThat(e.oldDatabase().name()).isEqualTo("primary");
            assertThat(e.reason()).isEqualTo(SwitchReason.FAILOVER);
        });
        await().atMost(Duration.ofSeconds(2)).untilAsserted(() -> assertThat(recorder.of(HealthStatusChangedEvent.class))
                .anyMatch(e -> e.database().name().equals("primary") && !e.healthy()));
        assertThat(database("primary").isHealthy()).isFalse();
        client.sync().set("k", "during");
        assertThat(secondary.command("GET", "k")).isEqualTo("during");
        // The primary stays out while the check says so, grace period or not.
        await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(3)).until(() -> "secondary".equals(active()));

        check.unhealthy.remove("primary");
        await().atMost(Duration.ofSeconds(10)).until(() -> "primary".equals(active()));
        assertThat(switches()).last().satisfies(e -> {
            assertThat(e.oldDatabase().name()).isEqualTo("secondary");
            assertThat(e.reason()).isEqualTo(SwitchReason.FALLBACK);
        });
        assertThat(database("primary").circuitState()).isEqualTo(CircuitState.CLOSED);
        client.sync().set("k", "after");
        assertThat(primary.command("GET", "k")).isEqualTo("after");
        assertThat(check.wrongTargets).isEmpty();
    }

    @Test
    void aConfiguredCheckIsConsultedForEveryDatabaseAndMovesTheTraffic() {
        SteeredCheck check = new SteeredCheck();
        client = MultiDbClient.create(config().healthCheck(check).build());
        // The first health checks, at start-up, already asked it about both databases.
        assertThat(check.calls("primary")).isPositive();
        assertThat(check.calls("secondary")).isPositive();
        assertThat(active()).isEqualTo("primary");
        awaitFreshCallsForEveryDatabase(check);

        failOverAndBackBy(check);
    }

    @Test
    void aCheckAddedAtRunTimeIsConsultedForEveryDatabaseAndMovesTheTraffic() {
        client = MultiDbClient.create(config().build());
        SteeredCheck check = new SteeredCheck();
        assertThat(check.calls).isEmpty();
        client.addHealthCheck(check);
        awaitFreshCallsForEveryDatabase(check);

        failOverAndBackBy(check);
    }

    @Test
    void aCheckAddedAtRunTimeAlsoChecksADatabaseAddedLater() {
        try (RedisServer third = RedisServer.start()) {
            client = MultiDbClient.create(config().build());
            SteeredCheck check = new SteeredCheck();
            client.addHealthCheck(check);
            check.unhealthy.add("third");
            Database added = client.addDatabase(Fixtures.db("third", third.uri(), 2.0));
            // Heavier than the primary, but the check says no: it stays out of rotation.
            assertThat(check.calls("third")).isPositive();
            assertThat(added.isHealthy()).isFalse();
            await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(3)).until(() -> "primary".equals(active()));

            check.unhealthy.remove("third");
            await().atMost(Duration.ofSeconds(10)).until(() -> "third".equals(active()));
            assertThat(check.wrongTargets).isEmpty();
        }
    }

    @Test
    void withAutoFallbackOffTrafficStaysWhereItWentAfterTheCheckRecovers() {
        SteeredCheck check = new SteeredCheck();
        client = MultiDbClient.create(config().healthCheck(check).autoFallbackInterval(Duration.ZERO).build());
        check.unhealthy.add("primary");
        await().atMost(Duration.ofSeconds(5)).until(() -> "secondary".equals(active()));

        check.unhealthy.remove("primary");
        await().atMost(Duration.ofSeconds(10)).until(() -> database("primary").circuitState() == CircuitState.CLOSED
                && database("primary").isHealthy());
        // Healthy and heavier, but moving back is the fallback timer's job, and it is off.
        await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(3)).until(() -> "secondary".equals(active()));
        assertThat(switches()).extracting(ActiveDatabaseChangedEvent::reason)
                .containsExactly(SwitchReason.INITIAL, SwitchReason.FAILOVER);
    }
}
