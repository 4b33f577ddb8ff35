package dev.multidb.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.lettuce.core.KeyValue;
import io.lettuce.core.api.StatefulRedisConnection;

import dev.multidb.CommandRetry;
import dev.multidb.MultiDbClient;
import dev.multidb.OutcomeUnknownException;
import dev.multidb.database.DedicatedLending;
import dev.multidb.health.HealthCheck;
import dev.multidb.testkit.FaultProxy;
import dev.multidb.testkit.RedisServer;

/** Nothing waits forever (DESIGN rule 11): blocking commands and the dedicated pool have bounds. */
class BlockingBoundsIT {

    private final RedisServer primary = RedisServer.start();
    private final RedisServer secondary = RedisServer.start();
    private MultiDbClient<String, String> client;

    @AfterEach
    void stop() {
        if (client != null) {
            client.close();
        }
        primary.close();
        secondary.close();
    }

    /** A health check that judges the primary by {@code healthy} (no round trip, so it decides at once), the others healthy. */
    private static HealthCheck primaryHealthyWhile(AtomicBoolean healthy) {
        return target -> CompletableFuture.completedFuture(!target.database().name().equals("primary") || healthy.get());
    }

    private static int blockedClients(RedisServer server) {
        String info = server.command("INFO", "clients");
        return info.lines().filter(l -> l.startsWith("blocked_clients:")).map(l -> Integer.parseInt(l.substring(16).strip()))
                .findFirst().orElseThrow();
    }

    @Test
    void aBlockingPopWithoutTimeoutEndsWhenItsFrozenDatabaseIsLeft() {
        client = MultiDbClient.create(Fixtures.twoDatabases(primary.uri(), secondary.uri()).build());
        CompletableFuture<KeyValue<String, String>> pop = client.async().blpop(0, "jobs").toCompletableFuture();
        await().atMost(Duration.ofSeconds(5)).until(() -> blockedClients(primary) == 1);

        primary.freeze();
        try {
            await().atMost(Duration.ofSeconds(10)).until(pop::isDone);
            // The frozen server may still pop for it when it thaws: the caller is told so.
            assertThat(pop).isCompletedExceptionally();
            assertThat(pop.handle((v, e) -> e instanceof CompletionException c ? c.getCause() : e).join())
                    .isInstanceOf(OutcomeUnknownException.class).hasMessageContaining("BLPOP");
            assertThat(client.activeDatabase().name()).isEqualTo("secondary");
        } finally {
            primary.thaw();
        }
    }

    /**
     * A blocking pop that waits for a dedicated connection when traffic leaves its database as failed is not sent
     * there once a connection frees up: leaving ended the blocking commands running there, and nobody would end
     * this one (a BLPOP without a time limit would wait on a database no traffic goes to, and whatever it popped
     * there later would be lost). It runs where traffic went. The database here is alive, only judged unhealthy
     * (as a lag-aware check judges a lagging member), so a new connection to it opens at once.
     */
    @Test
    void aBlockingPopWaitingForAConnectionWhenItsDatabaseIsLeftRunsWhereTrafficWent() {
        AtomicBoolean primaryHealthy = new AtomicBoolean(true);
        client = MultiDbClient.create(Fixtures.twoDatabases(primary.uri(), secondary.uri())
                .healthCheck(primaryHealthyWhile(primaryHealthy)).autoFallbackInterval(Duration.ZERO).build());
        // Every dedicated connection of the primary busy with a pop of its own, so the next one waits for a connection.
        List<CompletableFuture<KeyValue<String, String>>> holders = new ArrayList<>();
        for (int i = 0; i < DedicatedLending.POOL_SIZE; i++) {
            holders.add(client.async().blpop(0, "hold:" + i).toCompletableFuture());
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> blockedClients(primary) == holders.size());
        CompletableFuture<KeyValue<String, String>> waiting = client.async().blpop(0, "jobs").toCompletableFuture();

        primaryHealthy.set(false);
        await().atMost(Duration.ofSeconds(5)).until(() -> holders.stream().allMatch(CompletableFuture::isDone));
        assertThat(client.activeDatabase().name()).isEqualTo("secondary");
        client.sync().lpush("jobs", "job-1");

        assertThat(waiting).as("the pop ran on the secondary").succeedsWithin(Duration.ofSeconds(5))
                .isEqualTo(KeyValue.just("jobs", "job-1"));
        assertThat(blockedClients(primary)).as("nothing left blocking on the primary").isZero();
    }

    /**
     * The same on a {@code connect()} connection: its first command, a blocking pop, waits while its physical
     * connection to the primary opens (slowly, through a proxy with latency); traffic leaves the primary meanwhile.
     * The pop is not sent there when that connection is ready, but where traffic went.
     */
    @Test
    void aBlockingPopWaitingForItsConnectionToOpenWhenItsDatabaseIsLeftRunsWhereTrafficWent() {
        AtomicBoolean primaryHealthy = new AtomicBoolean(true);
        try (FaultProxy slow = FaultProxy.start(primary.host(), primary.port())) {
            client = MultiDbClient.create(Fixtures.twoDatabases(slow.uri(), secondary.uri())
                    .healthCheck(primaryHealthyWhile(primaryHealthy)).autoFallbackInterval(Duration.ZERO).build());
            // Opening a connection takes round trips (HELLO, CLIENT SETINFO): over a second at 300 ms each way,
            // while the steered check (no round trip) fails the primary at its next probe, 200 ms at most.
            slow.setLatency(Duration.ofMillis(300));
            try (StatefulRedisConnection<String, String> fresh = client.connect()) {
                CompletableFuture<KeyValue<String, String>> pop = fresh.async().blpop(0, "jobs").toCompletableFuture();
                primaryHealthy.set(false);
                await().atMost(Duration.ofSeconds(5)).until(() -> "secondary".equals(client.activeDatabase().name()));
                client.sync().lpush("jobs", "job-1");

                assertThat(pop).as("the pop ran on the secondary").succeedsWithin(Duration.ofSeconds(10))
                        .isEqualTo(KeyValue.just("jobs", "job-1"));
                assertThat(blockedClients(primary)).as("nothing left blocking on the primary").isZero();
            }
        }
    }

    /**
     * Leaving a busy database (a stopped process looks busy) lets its commands drain, except the
     * blocking ones, which end at once. On a {@code connect()} connection that holds as well for a
     * BLPOP sent as the connection's very first command, which waited while its physical
     * connection opened, as for one sent on a connection already open.
     */
    @Test
    void aBlockingPopOnAConnectionEndsWhenItsBusyDatabaseIsLeftAlsoAsTheConnectionsFirstCommand() {
        client = MultiDbClient.create(Fixtures.twoDatabases(primary.uri(), secondary.uri())
                .busyBudget(Duration.ofMillis(500)).autoFallbackInterval(Duration.ZERO).build());
        try (StatefulRedisConnection<String, String> opened = client.connect();
                StatefulRedisConnection<String, String> fresh = client.connect()) {
            assertThat(opened.sync().ping()).isEqualTo("PONG");
            // 60 s: far beyond the wait below, so only leaving the database can end them in time.
            CompletableFuture<KeyValue<String, String>> onOpenConnection = opened.async().blpop(60, "jobs").toCompletableFuture();
            CompletableFuture<KeyValue<String, String>> firstCommand = fresh.async().blpop(60, "jobs").toCompletableFuture();
            await().atMost(Duration.ofSeconds(5)).until(() -> blockedClients(primary) == 2);

            primary.freeze();
            try {
                await().atMost(Duration.ofSeconds(10)).until(() -> "secondary".equals(client.activeDatabase().name()));
                assertThat(client.status().databases().get(0).lastFailure()).as("left as busy, not as dead").contains("busy budget");
                await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
                    assertThat(onOpenConnection).as("BLPOP on a connection already open").isDone();
                    assertThat(firstCommand).as("BLPOP as the connection's first command").isDone();
                });
                for (CompletableFuture<KeyValue<String, String>> pop : List.of(onOpenConnection, firstCommand)) {
                    // The stopped server may still pop for it when it resumes: the caller is told so.
                    assertThat(pop.handle((v, e) -> e instanceof CompletionException c ? c.getCause() : e).join())
                            .isInstanceOf(OutcomeUnknownException.class).hasMessageContaining("BLPOP");
                }
            } finally {
                primary.thaw();
            }
        }
    }

    @Test
    void waitingForADedicatedConnectionIsBoundedByTheCommandTimeout() {
        client = MultiDbClient.create(Fixtures.twoDatabases(primary.uri(), secondary.uri())
                .commandTimeout(Duration.ofMillis(300)).commandRetry(CommandRetry.none()).build());
        List<CompletableFuture<KeyValue<String, String>>> holding = new ArrayList<>();
        for (int i = 0; i < 8; i++) { // every pooled connection blocks
            holding.add(client.async().blpop(0, "jobs").toCompletableFuture());
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> blockedClients(primary) == 8);

        CompletableFuture<KeyValue<String, String>> ninth = client.async().blpop(0, "jobs").toCompletableFuture();
        await().atMost(Duration.ofSeconds(5)).until(ninth::isDone);
        assertThat(ninth.handle((v, e) -> e instanceof CompletionException c ? c.getCause() : e).join())
                .hasMessageContaining("no dedicated connection").hasMessageContaining("nothing was sent");

        for (int i = 0; i < 8; i++) {
            primary.command("LPUSH", "jobs", "job" + i);
        }
        holding.forEach(f -> assertThat(f.join().getKey()).isEqualTo("jobs"));
    }
}
