package dev.multidb.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.multidb.ActiveDatabaseChangedEvent;
import dev.multidb.Database;
import dev.multidb.AllDatabasesUnavailableEvent;
import dev.multidb.MultiDbClient;
import dev.multidb.MultiDbConfig;
import dev.multidb.DatabaseConfig;
import dev.multidb.MultiDbEvent;
import dev.multidb.NoValidDatabaseException;
import dev.multidb.SwitchReason;
import dev.multidb.TemporaryUnavailableException;
import dev.multidb.circuit.CircuitState;
import dev.multidb.testkit.FaultProxy;
import dev.multidb.testkit.RedisServer;

/** Fall back after the primary returns; all databases down; recovery. */
class RecoveryIT {

    private final RedisServer primary = RedisServer.start();
    private final RedisServer secondary = RedisServer.start();
    private final List<MultiDbEvent> events = new CopyOnWriteArrayList<>();
    private MultiDbClient<String, String> client;

    @AfterEach
    void stop() {
        if (client != null) {
            client.close();
        }
        primary.close();
        secondary.close();
    }

    @Test
    void fallsBackToThePrimaryOnceItIsHealthyAgainAndGraceIsOver() {
        client = MultiDbClient.create(Fixtures.twoDatabases(primary.uri(), secondary.uri())
                .listener(MultiDbEvent.class, events::add).build());
        primary.kill();
        await().atMost(Duration.ofSeconds(5)).until(() -> "secondary".equals(client.activeDatabase().name()));
        client.sync().set("during-outage", "1");

        primary.restart();
        await().atMost(Duration.ofSeconds(10)).until(() -> "primary".equals(client.activeDatabase().name()));
        client.sync().set("after-fallback", "1");

        assertThat(primary.command("GET", "after-fallback")).isEqualTo("1");
        assertThat(secondary.command("GET", "during-outage")).isEqualTo("1");
        await().atMost(Duration.ofSeconds(2)).untilAsserted(() -> assertThat(events.stream()
                .filter(e -> e instanceof ActiveDatabaseChangedEvent).map(e -> ((ActiveDatabaseChangedEvent) e).reason()))
                .containsSubsequence(SwitchReason.INITIAL, SwitchReason.FAILOVER, SwitchReason.FALLBACK));
    }

    @Test
    void fallsBackAfterABlackHoleHeals() {
        // Regression: the health connection kept waiting for replies to probes whose bytes the
        // black hole had swallowed, so the primary never looked healthy again.
        try (FaultProxy proxy = FaultProxy.start(primary.host(), primary.port())) {
            client = MultiDbClient.create(Fixtures.twoDatabases(proxy.uri(), secondary.uri()).build());
            client.sync().set("k", "v");
            proxy.blackhole(true);
            await().atMost(Duration.ofSeconds(5)).until(() -> "secondary".equals(client.activeDatabase().name()));
            proxy.blackhole(false);
            await().atMost(Duration.ofSeconds(10)).until(() -> "primary".equals(client.activeDatabase().name()));
            assertThat(client.sync().get("k")).isEqualTo("v");
        }
    }

    @Test
    void noFallbackWhenAutoFallbackIsDisabled() {
        client = MultiDbClient.create(Fixtures.twoDatabases(primary.uri(), secondary.uri())
                .autoFallbackInterval(Duration.ZERO).build());
        primary.kill();
        await().atMost(Duration.ofSeconds(5)).until(() -> "secondary".equals(client.activeDatabase().name()));
        primary.restart();
        Database primaryDb = client.databases().get(0);
        await().atMost(Duration.ofSeconds(10)).until(() -> primaryDb.circuitState() == CircuitState.CLOSED);
        // Closed and healthy, yet traffic stays: only the fallback timer moves it back, and it is off.
        assertThat(client.activeDatabase().name()).isEqualTo("secondary");
    }

    @Test
    void allDownGivesTemporaryUnavailableThenNoValidDatabaseThenRecovers() {
        client = MultiDbClient.create(Fixtures.twoDatabases(primary.uri(), secondary.uri())
                .failoverAttempts(2).failoverDelay(Duration.ofMillis(750))
                .listener(MultiDbEvent.class, events::add).build());
        primary.kill();
        secondary.kill();
        await().atMost(Duration.ofSeconds(5)).until(() -> client.activeDatabase() == null);
        assertThatThrownBy(() -> client.sync().set("k", "v")).isInstanceOf(TemporaryUnavailableException.class)
                .hasMessageContainingAll("primary", "secondary");

        // The window is wall-clock time, whether or not commands arrive meanwhile.
        await().atMost(Duration.ofSeconds(5)).pollDelay(Duration.ofMillis(100)).untilAsserted(() ->
                assertThatThrownBy(() -> client.sync().get("k")).isInstanceOf(NoValidDatabaseException.class));

        secondary.restart();
        await().atMost(Duration.ofSeconds(10)).until(() -> client.activeDatabase() != null);
        client.sync().set("k", "back");
        assertThat(secondary.command("GET", "k")).isEqualTo("back");
        assertThat(events).anyMatch(e -> e instanceof AllDatabasesUnavailableEvent);
        assertThat(events).anyMatch(e -> e instanceof ActiveDatabaseChangedEvent c && c.reason() == SwitchReason.RECOVERY);
    }

    /** Found by the chaos soak: after an outage of every database, recovery waited for the next health-check interval. */
    @Test
    void whenEveryDatabaseIsDownTheyAreRecheckedWithoutWaitingForTheInterval() {
        // Neither the interval nor the end of a grace period comes round within the test.
        client = MultiDbClient.create(MultiDbConfig.builder()
                .database(DatabaseConfig.builder().fromUrl(primary.uri()).name("primary").weight(1.0).gracePeriod(Duration.ofSeconds(60)).build())
                .database(DatabaseConfig.builder().fromUrl(secondary.uri()).name("secondary").weight(0.5).gracePeriod(Duration.ofSeconds(60)).build())
                .healthCheckInterval(Duration.ofSeconds(60)).build());
        primary.kill();
        secondary.kill();
        await().atMost(Duration.ofSeconds(10)).until(() -> client.activeDatabase() == null);

        secondary.restart();
        // A minute's interval would keep the client down until the next scheduled check.
        await().atMost(Duration.ofSeconds(15)).until(() -> client.activeDatabase() != null);
        assertThat(client.activeDatabase().name()).isEqualTo("secondary");
        client.sync().set("k", "back");
    }
}
