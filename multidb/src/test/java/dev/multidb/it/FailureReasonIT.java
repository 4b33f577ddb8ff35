package dev.multidb.it;

import static dev.multidb.it.Fixtures.db;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.multidb.MultiDbClient;
import dev.multidb.MultiDbConfig;
import dev.multidb.MultiDbStatus;
import dev.multidb.MultiDbStatus.DatabaseStatus;
import dev.multidb.NoValidDatabaseException;
import dev.multidb.health.InitialHealthCheckPolicy;
import dev.multidb.health.LagAwareHealthCheck;
import dev.multidb.testkit.RedisServer;
import dev.multidb.testkit.RestApiEmulator;

/** A database's last failure says why it failed, in words an operator can act on (defect 14). */
class FailureReasonIT {

    private static final String SERVER_PASSWORD = "s3rver-pw";
    private static final String WRONG_PASSWORD = "wr0ng-pw";

    private final List<AutoCloseable> closeables = new CopyOnWriteArrayList<>();

    @AfterEach
    void closeEverything() throws Exception {
        for (AutoCloseable c : closeables) {
            c.close();
        }
    }

    private <T extends AutoCloseable> T closeLater(T closeable) {
        closeables.add(0, closeable);
        return closeable;
    }

    private static DatabaseStatus status(MultiDbClient<?, ?> client, String name) {
        return client.status().databases().stream().filter(d -> d.name().equals(name)).findFirst().orElseThrow();
    }

    private static MultiDbConfig.Builder config(String eastUri, String westUri) {
        return MultiDbConfig.builder()
                .database(db("east", eastUri, 1.0))
                .database(db("west", westUri, 0.5))
                .healthCheckInterval(Duration.ofMillis(200))
                .healthCheckDelay(Duration.ofMillis(50))
                .initialHealthCheckPolicy(InitialHealthCheckPolicy.ONE_AVAILABLE)
                .connectTimeout(Duration.ofSeconds(3));
    }

    @Test
    void aWrongPasswordSaysAuthenticationFailedWithoutEchoingAnyPassword() {
        RedisServer east = closeLater(RedisServer.start("--requirepass", SERVER_PASSWORD));
        RedisServer west = closeLater(RedisServer.start());
        MultiDbClient<String, String> client = closeLater(MultiDbClient.create(
                config("redis://:" + WRONG_PASSWORD + "@127.0.0.1:" + east.port(), west.uri()).build()));

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                assertThat(status(client, "east").lastFailure()).isNotNull());
        DatabaseStatus eastStatus = status(client, "east");
        assertThat(eastStatus.healthy()).isFalse();
        assertThat(eastStatus.lastFailure()).contains("authentication failed for database 'east'", "WRONGPASS")
                .doesNotContain("Unable to connect");
        MultiDbStatus all = client.status();
        assertThat(all.toString() + all.toJson()).doesNotContain(WRONG_PASSWORD).doesNotContain(SERVER_PASSWORD);
        assertThat(all.active()).isEqualTo("west");
    }

    @Test
    void aClientThatCannotStartSaysAuthenticationFailed() {
        RedisServer east = closeLater(RedisServer.start("--requirepass", SERVER_PASSWORD));
        RedisServer west = closeLater(RedisServer.start());
        MultiDbConfig config = config("redis://:" + WRONG_PASSWORD + "@127.0.0.1:" + east.port(), west.uri())
                .initialHealthCheckPolicy(InitialHealthCheckPolicy.ALL_AVAILABLE).build();

        assertThatThrownBy(() -> closeLater(MultiDbClient.create(config)))
                .isInstanceOf(NoValidDatabaseException.class)
                .hasMessageContaining("authentication failed for database 'east'")
                .hasMessageContaining("WRONGPASS")
                .hasMessageNotContaining(WRONG_PASSWORD)
                .hasMessageNotContaining(SERVER_PASSWORD);
    }

    @Test
    void noPasswordForAServerThatRequiresOneSaysAuthenticationFailed() {
        RedisServer east = closeLater(RedisServer.start("--requirepass", SERVER_PASSWORD));
        RedisServer west = closeLater(RedisServer.start());
        MultiDbClient<String, String> client = closeLater(MultiDbClient.create(config(east.uri(), west.uri()).build()));

        // On a loaded machine the first check may fail otherwise (a connect timeout, reported as it is);
        // every check after it meets the password the server requires.
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(status(client, "east").lastFailure())
                .isNotNull().contains("authentication failed for database 'east'", "NOAUTH"));
        assertThat(client.status().toJson()).doesNotContain(SERVER_PASSWORD);
    }

    @Test
    void aLaggingDatabaseSaysItLags() {
        RedisServer east = closeLater(RedisServer.start());
        RedisServer west = closeLater(RedisServer.start());
        RestApiEmulator api = closeLater(RestApiEmulator.start());
        api.addBdb(1, east.port(), "127.0.0.1");
        api.addBdb(2, west.port(), "127.0.0.1");
        LagAwareHealthCheck lagAware = LagAwareHealthCheck.builder()
                .restApiPort(api.port()).caFile(api.caFile())
                .basicAuth(RestApiEmulator.DEFAULT_USERNAME, RestApiEmulator.DEFAULT_PASSWORD)
                .lagTolerance(Duration.ofMillis(700))
                .httpTimeout(Duration.ofSeconds(2)).build();
        MultiDbConfig config = MultiDbConfig.builder()
                .database(dev.multidb.DatabaseConfig.builder().fromUrl(east.uri()).name("east").weight(1.0)
                        .gracePeriod(Duration.ofMillis(500)).healthCheckUrl(api.url()).build())
                .database(dev.multidb.DatabaseConfig.builder().fromUrl(west.uri()).name("west").weight(0.5)
                        .gracePeriod(Duration.ofMillis(500)).healthCheckUrl(api.url()).build())
                .healthCheck(lagAware)
                .healthCheckInterval(Duration.ofMillis(200))
                .healthCheckDelay(Duration.ofMillis(50))
                .healthCheckTimeout(Duration.ofSeconds(5))
                .connectTimeout(Duration.ofSeconds(3))
                .build();
        MultiDbClient<String, String> client = closeLater(MultiDbClient.create(config));
        await().atMost(Duration.ofSeconds(10)).until(() -> "east".equals(client.status().active()));

        api.setAvailability(1, 503);

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                assertThat(status(client, "east").lastFailure()).isNotNull());
        assertThat(status(client, "east").lastFailure())
                .contains("database 'east'", "lag", "700 ms")
                .doesNotContain("returned false")
                .doesNotContain(RestApiEmulator.DEFAULT_PASSWORD);
    }
}
