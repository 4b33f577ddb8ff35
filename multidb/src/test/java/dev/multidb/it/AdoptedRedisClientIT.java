package dev.multidb.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.event.connection.ConnectionActivatedEvent;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;

import dev.multidb.DatabaseConfig;
import dev.multidb.MultiDbClient;
import dev.multidb.MultiDbConfig;
import dev.multidb.testkit.RedisServer;

/**
 * {@code DatabaseConfig.Builder.client(RedisClient, RedisURI)}: multidb opens its connections to
 * that database through the application's own Lettuce client, and, as its Javadoc promises, never
 * shuts that client down.
 */
class AdoptedRedisClientIT {

    private final RedisServer primary = RedisServer.start();
    private final RedisServer secondary = RedisServer.start();
    private ClientResources appResources;
    private RedisClient appClient;
    private final List<InetSocketAddress> appClientConnections = new CopyOnWriteArrayList<>();
    private MultiDbClient<String, String> client;

    @BeforeEach
    void appClient() {
        appResources = DefaultClientResources.create();
        // Every connection opened through the application's client shows on its resources' event bus.
        appResources.eventBus().get().subscribe(event -> {
            if (event instanceof ConnectionActivatedEvent activated && activated.remoteAddress() instanceof InetSocketAddress remote) {
                appClientConnections.add(remote);
            }
        });
        appClient = RedisClient.create(appResources, RedisURI.create(primary.uri()));
    }

    @AfterEach
    void stop() {
        if (client != null) {
            client.close();
        }
        appClient.shutdown();
        appResources.shutdown();
        primary.close();
        secondary.close();
    }

    private MultiDbConfig.Builder withAdoptedPrimary() {
        return MultiDbConfig.builder()
                .database(DatabaseConfig.builder().client(appClient, RedisURI.create(primary.uri())).name("primary")
                        .weight(1.0).gracePeriod(Duration.ofMillis(500)).build())
                .database(Fixtures.db("secondary", secondary.uri(), 0.5))
                .healthCheckInterval(Duration.ofMillis(200))
                .healthCheckDelay(Duration.ofMillis(50))
                .autoFallbackInterval(Duration.ofMillis(500))
                .connectTimeout(Duration.ofSeconds(3));
    }

    private int connectedClients(RedisServer server) {
        for (String line : server.command("INFO", "clients").split("\r?\n")) {
            if (line.startsWith("connected_clients:")) {
                return Integer.parseInt(line.substring("connected_clients:".length()).trim());
            }
        }
        throw new IllegalStateException("no connected_clients in INFO");
    }

    @Test
    void commandsGoThroughTheApplicationsClient() {
        DatabaseConfig adopted = DatabaseConfig.builder().client(appClient, RedisURI.create(primary.uri())).build();
        assertThat(adopted.client()).isSameAs(appClient);
        assertThat(adopted.uri().getPort()).isEqualTo(primary.port());

        client = MultiDbClient.create(withAdoptedPrimary().build());
        assertThat(client.activeDatabase().name()).isEqualTo("primary");
        client.sync().set("k", "v");
        assertThat(client.sync().get("k")).isEqualTo("v");
        assertThat(primary.command("GET", "k")).isEqualTo("v");
        // The connections to the primary were opened by the application's client (on its resources).
        await().atMost(Duration.ofSeconds(2)).untilAsserted(() -> assertThat(appClientConnections)
                .isNotEmpty().allMatch(remote -> remote.getPort() == primary.port()));
    }

    @Test
    void closeLeavesTheApplicationsClientUsableButClosesItsOwnConnections() {
        client = MultiDbClient.create(withAdoptedPrimary().build());
        client.sync().set("k", "v");
        assertThat(connectedClients(primary)).isGreaterThan(1); // multidb's connections and this INFO's

        client.close();

        // Every connection multidb opened through the application's client is closed...
        await().atMost(Duration.ofSeconds(5)).until(() -> connectedClients(primary) == 1);
        // ...but the client itself and its resources are still the application's to use.
        assertThat(appResources.eventExecutorGroup().isShuttingDown()).isFalse();
        try (StatefulRedisConnection<String, String> own = appClient.connect()) {
            assertThat(own.sync().get("k")).isEqualTo("v");
        }
    }

    /** The overrides multidb needs (no reconnect, fail fast) must not reach the application's own connections. */
    @Test
    void theApplicationsClientOptionsAreNotChangedInPlace() {
        ClientOptions before = appClient.getOptions();
        client = MultiDbClient.create(withAdoptedPrimary().build());
        client.sync().set("k", "v");

        ClientOptions after = appClient.getOptions();
        assertThat(after).isSameAs(before);
        assertThat(after.isAutoReconnect()).isTrue();
        assertThat(after.getDisconnectedBehavior()).isEqualTo(before.getDisconnectedBehavior());
    }
}
