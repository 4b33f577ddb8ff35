package dev.multidb.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.ScriptOutputType;

import dev.multidb.ActiveDatabaseChangedEvent;
import dev.multidb.Database;
import dev.multidb.MaintenanceEvent;
import dev.multidb.MaintenanceEvent.Change;
import dev.multidb.MultiDbClient;
import dev.multidb.MultiDbEvent;
import dev.multidb.SwitchReason;
import dev.multidb.circuit.CircuitState;
import dev.multidb.health.HealthCheck;
import dev.multidb.health.HealthCheckTarget;
import dev.multidb.testkit.RedisServer;

/**
 * Operator controls against real servers: a database forced active although its health checks fail (bounded,
 * and until released), and a database drained while a command runs there.
 */
class MaintenanceIT {

    private RedisServer east;
    private RedisServer west;
    private MultiDbClient<String, String> client;
    private final Fixtures.Recorder recorder = new Fixtures.Recorder();
    private final Set<String> failing = ConcurrentHashMap.newKeySet();

    /** Fails the databases named in {@link #failing}, though they answer: what a lag-aware check does during a resync. */
    private final HealthCheck steered = (HealthCheckTarget target) -> target.commands().ping()
            .thenApply(pong -> !failing.contains(target.database().name()));

    @BeforeEach
    void start() {
        east = RedisServer.start();
        west = RedisServer.start();
        client = MultiDbClient.create(Fixtures.twoDatabases(east.uri(), west.uri()).healthCheck(steered).build());
        client.addListener(MultiDbEvent.class, recorder.events::add);
    }

    @AfterEach
    void stop() {
        client.close();
        east.close();
        west.close();
    }

    private Database db(String name) {
        return client.databases().stream().filter(d -> d.name().equals(name)).findFirst().orElseThrow();
    }

    private List<MaintenanceEvent> maintenance(Change change) {
        return recorder.of(MaintenanceEvent.class).stream().filter(e -> e.change() == change).toList();
    }

    @Test
    void aDatabaseForcedActiveCarriesTrafficWhileItsHealthChecksFail_untilTheBoundRunsOut() {
        failing.add("secondary");
        // Its first check failed: unhealthy, circuit open (before it, a database is "not healthy" with a closed circuit).
        await().atMost(Duration.ofSeconds(5)).until(() -> db("secondary").circuitState() != CircuitState.CLOSED);

        client.maintenance().forceActive(db("secondary"), Duration.ofSeconds(2));

        assertThat(client.activeDatabase().name()).isEqualTo("secondary");
        client.sync().set("during", "forced");
        assertThat(west.command("GET", "during")).isEqualTo("forced");
        assertThat(client.maintenance().forced().name()).isEqualTo("secondary");
        assertThat(client.status().maintenance()).singleElement().asString().startsWith("secondary forced active for");
        assertThat(client.status().toJson()).contains("\"maintenance\":[\"secondary forced active for");
        eventually(() -> assertThat(maintenance(Change.FORCED)).singleElement().satisfies(e -> {
            assertThat(e.bound()).isEqualTo(Duration.ofSeconds(2));
            assertThat(e.detail()).contains("although its last health check failed");
        }));
        eventually(() -> assertThat(recorder.of(ActiveDatabaseChangedEvent.class)).last()
                .satisfies(e -> assertThat(e.reason()).isEqualTo(SwitchReason.MAINTENANCE)));
        // Health checks keep failing for a while: traffic stays.
        await().during(Duration.ofMillis(800)).atMost(Duration.ofSeconds(2)).until(() -> "secondary".equals(client.activeDatabase().name()));
        assertThat(db("secondary").isHealthy()).isFalse();
        assertThat(setActiveRefusal()).hasMessageContaining("'secondary' is forced active for maintenance");

        // The bound runs out: the usual rules choose again.
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(client.activeDatabase().name()).isEqualTo("primary"));
        eventually(() -> assertThat(maintenance(Change.RELEASED)).singleElement()
                .satisfies(e -> assertThat(e.detail()).contains("expired after PT2S")));
        assertThat(client.maintenance().forced()).isNull();
        assertThat(client.status().maintenance()).isEmpty();
    }

    @Test
    void aForceUntilReleasedEndsWhenReleased() {
        client.maintenance().forceActive(db("secondary"));
        assertThat(client.status().toString()).contains("maintenance: secondary forced active until released");
        failing.add("primary"); // even the heavier one failing changes nothing while forced
        failing.add("secondary");
        await().during(Duration.ofMillis(600)).atMost(Duration.ofSeconds(2)).until(() -> "secondary".equals(client.activeDatabase().name()));

        failing.clear();
        await().atMost(Duration.ofSeconds(5)).until(() -> db("primary").isHealthy() && db("secondary").isHealthy());
        // Auto fallback (every 500 ms) does not move a forced database.
        await().during(Duration.ofMillis(1200)).atMost(Duration.ofSeconds(3)).until(() -> "secondary".equals(client.activeDatabase().name()));

        client.maintenance().release();

        eventually(() -> assertThat(maintenance(Change.RELEASED)).singleElement()
                .satisfies(e -> assertThat(e.detail()).isEqualTo("released by the application")));
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(client.activeDatabase().name()).isEqualTo("primary"));
    }

    @Test
    void drainingMovesNewTrafficAwayAndLetsTheCommandRunningThereFinish() throws Exception {
        client.sync().set("warm", "1");
        assertThat(client.activeDatabase().name()).isEqualTo("primary");
        // A write that runs 700 ms on the primary (the command timeout is 1 s), in flight when the drain starts (sent before it, answered after).
        RedisFuture<String> inFlight = client.async().eval(
                "local t = redis.call('TIME'); local stop = t[1] * 1000000 + t[2] + 700000;"
                        + " repeat t = redis.call('TIME') until t[1] * 1000000 + t[2] >= stop;"
                        + " return redis.call('SET', KEYS[1], 'done')", ScriptOutputType.STATUS, "inflight");

        CompletableFuture<Void> drained = client.maintenance().drain(db("primary"), Duration.ofSeconds(10));

        await().atMost(Duration.ofSeconds(2)).untilAsserted(() -> assertThat(client.activeDatabase().name()).isEqualTo("secondary"));
        assertThat(inFlight.toCompletableFuture()).as("the script still runs").isNotDone();
        client.sync().set("after", "drain");
        assertThat(west.command("GET", "after")).isEqualTo("drain");
        assertThat(client.status().maintenance()).contains("primary drained");

        assertThat(inFlight.get(5, TimeUnit.SECONDS)).isEqualTo("OK");
        assertThat(east.command("GET", "inflight")).isEqualTo("done");
        drained.get(5, TimeUnit.SECONDS);
        eventually(() -> assertThat(maintenance(Change.DRAINING)).hasSize(1));
        eventually(() -> assertThat(maintenance(Change.DRAINED)).hasSize(1));
        assertThat(recorder.of(ActiveDatabaseChangedEvent.class)).last()
                .satisfies(e -> assertThat(e.reason()).isEqualTo(SwitchReason.MAINTENANCE));
        assertThat(client.maintenance().drained()).extracting(Database::name).containsExactly("primary");

        // Drained: auto fallback leaves it alone, and it cannot be chosen or forced.
        await().during(Duration.ofMillis(1200)).atMost(Duration.ofSeconds(3)).until(() -> "secondary".equals(client.activeDatabase().name()));
        assertThatThrownBy(() -> client.setActiveDatabase(db("primary"))).hasMessageContaining("'primary' is drained");
        assertThatThrownBy(() -> client.maintenance().forceActive(db("primary"))).hasMessageContaining("undrain it first");

        client.maintenance().undrain(db("primary"));

        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(client.activeDatabase().name()).isEqualTo("primary"));
        eventually(() -> assertThat(maintenance(Change.UNDRAINED)).hasSize(1));
        assertThat(client.status().maintenance()).isEmpty();
    }

    @Test
    void theOnlyUsableDatabaseCannotBeDrainedAndADrainThatCannotFinishSaysSoAtItsBound() throws Exception {
        failing.add("secondary");
        // Its first check failed: unhealthy, circuit open (before it, a database is "not healthy" with a closed circuit).
        await().atMost(Duration.ofSeconds(5)).until(() -> db("secondary").circuitState() != CircuitState.CLOSED);

        String before = client.status().toString();
        ExecutionException refused = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
                () -> client.maintenance().drain(db("primary"), Duration.ofSeconds(1)).get(5, TimeUnit.SECONDS), before);
        assertThat(refused.getCause()).hasMessageContaining("cannot drain the active database 'primary': no other database is usable");
        assertThat(client.maintenance().drained()).isEmpty();

        // A standby held by a blocking pop stays busy: the drain reports its bound, and the database stays drained.
        failing.clear();
        // Closed again, not only healthy: traffic leaving a database whose circuit is open cuts its blocking commands.
        await().atMost(Duration.ofSeconds(5)).until(() -> db("secondary").isHealthy()
                && db("secondary").circuitState() == CircuitState.CLOSED);
        client.maintenance().forceActive(db("secondary"));
        RedisFuture<?> pop = client.async().blpop(3, "nothing-comes");
        await().atMost(Duration.ofSeconds(2)).until(() -> west.command("CLIENT", "LIST").contains("cmd=blpop"));
        client.maintenance().release();
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(client.activeDatabase().name()).isEqualTo("primary"));

        ExecutionException late = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
                () -> client.maintenance().drain(db("secondary"), Duration.ofMillis(300)).get(5, TimeUnit.SECONDS));
        assertThat(late.getCause()).isInstanceOf(RedisCommandTimeoutException.class)
                .hasMessageContaining("'secondary' is drained but still has commands in flight after PT0.3S");
        assertThat(client.maintenance().drained()).extracting(Database::name).containsExactly("secondary");
        pop.get(5, TimeUnit.SECONDS);
        client.maintenance().drain(db("secondary"), Duration.ofSeconds(5)).get(6, TimeUnit.SECONDS);
    }

    /** Events reach listeners on the client's event thread, a moment after the call that caused them returned. */
    private static void eventually(org.awaitility.core.ThrowingRunnable assertion) {
        await().atMost(Duration.ofSeconds(2)).untilAsserted(assertion);
    }

    private Throwable setActiveRefusal() {
        try {
            client.setActiveDatabase(db("primary"));
            return new AssertionError("setActiveDatabase was not refused");
        } catch (RuntimeException e) {
            return e;
        }
    }
}
