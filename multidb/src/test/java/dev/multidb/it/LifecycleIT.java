package dev.multidb.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.multidb.Database;
import dev.multidb.LoggedWarnings;
import dev.multidb.MultiDbClient;
import dev.multidb.MultiDbConfig;
import dev.multidb.NoValidDatabaseException;
import dev.multidb.health.InitialHealthCheckPolicy;
import dev.multidb.testkit.FaultProxy;
import dev.multidb.testkit.RedisServer;

/** Start-up policies and clean shutdown (DESIGN rule 9). */
class LifecycleIT {

    private final RedisServer primary = RedisServer.start();
    private final RedisServer secondary = RedisServer.start();

    @AfterEach
    void stop() {
        primary.close();
        secondary.close();
    }

    @Test
    void closeStopsEveryThreadAndConnectionAndIsIdempotent() {
        int connectionsBefore = connectedClients(primary);
        MultiDbClient<String, String> client = MultiDbClient.create(Fixtures.twoDatabases(primary.uri(), secondary.uri()).build());
        client.addListener(dev.multidb.MultiDbEvent.class, e -> { });
        client.sync().set("k", "v");
        assertThat(Fixtures.clientThreads()).isNotEmpty();

        client.close();
        client.close();

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(Fixtures.clientThreads()).isEmpty());
        await().atMost(Duration.ofSeconds(10)).until(() -> connectedClients(primary) == connectionsBefore);
        assertThatThrownBy(() -> client.sync()).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
    }

    /** Found by the chaos soak: Lettuce's shared DNS resolver kept a UDP socket per event loop after close(). */
    @Test
    void closeLeavesNoSocketOpenInTheJvm() throws Exception {
        assumeTrue(Files.isDirectory(Path.of("/proc/self/fd")), "needs /proc (Linux)");
        Set<String> before = openSockets();
        MultiDbClient<String, String> client = MultiDbClient.create(Fixtures.twoDatabases(primary.uri(), secondary.uri()).build());
        client.sync().set("k", "v");
        assertThat(newSockets(before)).isNotEmpty();

        client.close();

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(newSockets(before)).isEmpty());
    }

    private static Set<String> newSockets(Set<String> before) throws IOException {
        Set<String> now = openSockets();
        now.removeAll(before);
        return now;
    }

    private static Set<String> openSockets() throws IOException {
        Set<String> sockets = new TreeSet<>();
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            fds.forEach(fd -> {
                try {
                    String target = Files.readSymbolicLink(fd).toString();
                    if (target.startsWith("socket:")) {
                        sockets.add(target);
                    }
                } catch (IOException closedMeanwhile) {
                    // gone: not open
                }
            });
        }
        return sockets;
    }

    @Test
    void commandsThroughAHeldApiAfterCloseFailAndReconnectNothing() {
        MultiDbClient<String, String> client = MultiDbClient.create(Fixtures.twoDatabases(primary.uri(), secondary.uri()).build());
        var sync = client.sync();
        client.close();
        assertThatThrownBy(() -> sync.set("k", "v")).isInstanceOf(IllegalStateException.class);
        assertThat(connectedClients(primary)).isEqualTo(1); // only our own INFO probe
    }

    @Test
    void allAvailablePolicyRefusesToStartWhenADatabaseIsDownAndNamesIt() {
        secondary.kill();
        assertThatThrownBy(() -> MultiDbClient.create(Fixtures.twoDatabases(primary.uri(), secondary.uri()).build()))
                .isInstanceOf(NoValidDatabaseException.class)
                .hasMessageContainingAll("ALL_AVAILABLE", "1 of 2", "secondary");
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(Fixtures.clientThreads()).isEmpty());
    }

    @Test
    void oneAvailablePolicyStartsOnTheSurvivorAndPicksUpTheOtherLater() {
        primary.kill();
        try (MultiDbClient<String, String> client = MultiDbClient.create(Fixtures.twoDatabases(primary.uri(), secondary.uri())
                .initialHealthCheckPolicy(InitialHealthCheckPolicy.ONE_AVAILABLE).build())) {
            assertThat(client.activeDatabase().name()).isEqualTo("secondary");
            client.sync().set("k", "v");
            primary.restart();
            await().atMost(Duration.ofSeconds(10)).until(() -> "primary".equals(client.activeDatabase().name()));
        }
    }

    /**
     * Defect 9: the best database passes its first health check but its command connection cannot
     * be prepared (new connections are refused right after the check): start-up picks the next one.
     */
    @Test
    void startsOnTheNextDatabaseWhenTheBestCannotBePreparedAfterItsCheckPassed() {
        try (FaultProxy proxy = FaultProxy.start(primary.host(), primary.port())) {
            MultiDbConfig config = Fixtures.twoDatabases(proxy.uri(), secondary.uri())
                    .initialHealthCheckPolicy(InitialHealthCheckPolicy.ONE_AVAILABLE)
                    .connectTimeout(Duration.ofSeconds(1))
                    .healthCheck(target -> {
                        if (target.database().name().equals("primary")) {
                            proxy.refuseNewConnections(true); // the health connection is open already
                        }
                        return CompletableFuture.completedFuture(true);
                    })
                    .build();
            try (MultiDbClient<String, String> client = MultiDbClient.create(config)) {
                assertThat(client.activeDatabase().name()).isEqualTo("secondary");
                Database primaryDb = client.databases().get(0);
                assertThat(primaryDb.isHealthy()).as("the database that could not be prepared counts as failed").isFalse();
                client.sync().set("k", "v");
                assertThat(secondary.command("GET", "k")).isEqualTo("v");
            }
        }
    }

    /**
     * Defect 15: clients closed while they switch, reconnect and check health, and clients whose
     * create() failed while their coordinator was re-checking, log no SEVERE line (a closed client
     * opens nothing), leave no thread, and a call racing close() ends at once.
     */
    @Test
    void closingWhileSwitchingLogsNothingAlarmingAndLeavesNoThread() throws Exception {
        try (FaultProxy proxy = FaultProxy.start(secondary.host(), secondary.port())) {
            LoggedWarnings.Captured<Void> run = LoggedWarnings.captureEverywhere(() -> {
                for (int i = 0; i < 15; i++) {
                    assertThatThrownBy(() -> MultiDbClient.create(Fixtures.twoDatabases("redis://127.0.0.1:1", "redis://127.0.0.1:2")
                            .healthCheckInterval(Duration.ofMillis(10)).healthCheckDelay(Duration.ZERO).build()))
                            .isInstanceOf(NoValidDatabaseException.class);
                    closeWhileSwitching(proxy);
                }
                return null;
            });
            assertThat(run.warnings()).filteredOn(r -> r.getLevel().intValue() >= Level.SEVERE.intValue())
                    .extracting(LifecycleIT::describe).isEmpty();
        }
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(Fixtures.clientThreads()).isEmpty());
    }

    private void closeWhileSwitching(FaultProxy proxy) {
        MultiDbClient<String, String> client = MultiDbClient.create(Fixtures.twoDatabases(primary.uri(), proxy.uri())
                .healthCheckInterval(Duration.ofMillis(20)).healthCheckDelay(Duration.ofMillis(5))
                .autoFallbackInterval(Duration.ofMillis(50)).build());
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicInteger attempts = new AtomicInteger();
        Thread switcher = new Thread(() -> {
            while (running.get()) {
                try {
                    // Resets make the next switch to the proxied database open a new connection.
                    proxy.resetConnections();
                    client.setActiveDatabase(client.databases().get(attempts.incrementAndGet() % 2));
                } catch (RuntimeException closedOrUnhealthy) {
                    // expected once the client is closed, or while the proxied database reconnects
                }
            }
        });
        switcher.start();
        try {
            client.sync().set("k", "v");
            await().atMost(Duration.ofSeconds(5)).until(() -> attempts.get() >= 4);
        } finally {
            client.close();
            running.set(false);
        }
        // A call that raced close() is not left waiting for its timeout.
        await().atMost(Duration.ofSeconds(3)).until(() -> !switcher.isAlive());
    }

    private static String describe(LogRecord r) {
        return r.getLoggerName() + " " + r.getLevel() + " " + r.getMessage() + " " + r.getThrown();
    }

    private static int connectedClients(RedisServer server) {
        String info = server.command("INFO", "clients");
        for (String line : info.split("\r?\n")) {
            if (line.startsWith("connected_clients:")) {
                return Integer.parseInt(line.substring("connected_clients:".length()).trim());
            }
        }
        throw new IllegalStateException("no connected_clients in " + info);
    }
}
