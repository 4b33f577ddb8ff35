package dev.multidb.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

import org.assertj.core.api.InstanceOfAssertFactories;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.multidb.ActiveDatabaseChangedEvent;
import dev.multidb.Database;
import dev.multidb.DatabaseAddedEvent;
import dev.multidb.DatabaseConfig;
import dev.multidb.DatabaseRemovedEvent;
import dev.multidb.MultiDbClient;
import dev.multidb.MultiDbEvent;
import dev.multidb.MultiDbStatus;
import dev.multidb.NoValidDatabaseException;
import dev.multidb.SwitchReason;
import dev.multidb.circuit.CircuitState;
import dev.multidb.failover.WeightBasedFailoverStrategy;
import dev.multidb.testkit.RedisServer;

/** Adding, removing, re-weighting and choosing databases while other threads run commands. */
class RuntimeManagementIT {

    private final RedisServer primary = RedisServer.start();
    private final RedisServer secondary = RedisServer.start();
    private final RedisServer third = RedisServer.start();
    private final List<MultiDbEvent> events = new CopyOnWriteArrayList<>();
    private MultiDbClient<String, String> client;
    private final AtomicBoolean writing = new AtomicBoolean(true);
    private final List<Throwable> writeErrors = new CopyOnWriteArrayList<>();
    private final AtomicLong writes = new AtomicLong();
    private Thread writer;

    private void startClientAndWriter() {
        client = MultiDbClient.create(Fixtures.twoDatabases(primary.uri(), secondary.uri())
                .listener(MultiDbEvent.class, events::add).build());
        writer = new Thread(() -> {
            while (writing.get()) {
                try {
                    client.sync().set("k", "v");
                    writes.incrementAndGet();
                } catch (RuntimeException e) {
                    writeErrors.add(e);
                }
            }
        });
        writer.start();
        await().atMost(Duration.ofSeconds(5)).until(() -> writes.get() > 50);
    }

    @AfterEach
    void stop() throws InterruptedException {
        writing.set(false);
        if (writer != null) {
            writer.join(10_000);
        }
        if (client != null) {
            client.close();
        }
        primary.close();
        secondary.close();
        third.close();
    }

    private String active() {
        Database db = client.activeDatabase();
        return db == null ? null : db.name();
    }

    private List<SwitchReason> reasons() {
        return events.stream().filter(e -> e instanceof ActiveDatabaseChangedEvent).map(e -> ((ActiveDatabaseChangedEvent) e).reason()).toList();
    }

    @Test
    void aHeavierHealthyDatabaseAddedAtRuntimeTakesTheTraffic() {
        startClientAndWriter();
        Database added = client.addDatabase(Fixtures.db("third", third.uri(), 2.0));
        assertThat(added.isHealthy()).isTrue();
        await().atMost(Duration.ofSeconds(5)).until(() -> "third".equals(active()));
        long before = writes.get();
        await().atMost(Duration.ofSeconds(5)).until(() -> writes.get() > before + 50);
        assertThat(third.command("GET", "k")).isEqualTo("v");
        assertThat(writeErrors).isEmpty();
        await().atMost(Duration.ofSeconds(2)).untilAsserted(() -> {
            assertThat(reasons()).contains(SwitchReason.DATABASE_ADDED);
            assertThat(events).anyMatch(e -> e instanceof DatabaseAddedEvent);
        });
    }

    @Test
    void aLighterDatabaseAddedAtRuntimeWaitsInReserve() {
        startClientAndWriter();
        client.addDatabase(Fixtures.db("third", third.uri(), 0.1));
        assertThat(client.databases()).extracting(Database::name).containsExactly("primary", "secondary", "third");
        assertThat(active()).isEqualTo("primary");
        assertThatThrownBy(() -> client.addDatabase(Fixtures.db("again", third.uri(), 0.1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("endpoint");
        assertThatThrownBy(() -> client.addDatabase(Fixtures.db("third", "redis://127.0.0.1:1", 0.1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'third'");
    }

    @Test
    void raisingAWeightMovesTrafficAndBadWeightsAreRefused() {
        startClientAndWriter();
        Database secondaryDb = client.databases().get(1);
        client.updateDatabaseWeight(secondaryDb, 3.0);
        await().atMost(Duration.ofSeconds(5)).until(() -> "secondary".equals(active()));
        assertThat(secondaryDb.weight()).isEqualTo(3.0);
        assertThatThrownBy(() -> client.updateDatabaseWeight(secondaryDb, 0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("weight");
        assertThatThrownBy(() -> client.updateDatabaseWeight(secondaryDb, Double.NaN)).isInstanceOf(IllegalArgumentException.class);
        assertThat(writeErrors).isEmpty();
        await().atMost(Duration.ofSeconds(2)).untilAsserted(() -> assertThat(reasons()).contains(SwitchReason.WEIGHT_CHANGED));
    }

    @Test
    void removingTheActiveDatabaseMovesTrafficFirstAndTheLastOneCannotGo() {
        startClientAndWriter();
        Database primaryDb = client.databases().get(0);
        client.removeDatabase(primaryDb);
        assertThat(active()).isEqualTo("secondary");
        assertThat(client.databases()).extracting(Database::name).containsExactly("secondary");
        long before = writes.get();
        await().atMost(Duration.ofSeconds(5)).until(() -> writes.get() > before + 50);
        assertThat(writeErrors).isEmpty();
        assertThatThrownBy(() -> client.removeDatabase(client.databases().get(0))).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("last database");
        assertThatThrownBy(() -> client.removeDatabase(primaryDb)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("unknown");
        await().atMost(Duration.ofSeconds(2)).untilAsserted(() -> {
            assertThat(reasons()).contains(SwitchReason.DATABASE_REMOVED);
            assertThat(events).anyMatch(e -> e instanceof DatabaseRemovedEvent);
        });
    }

    /** Found by the chaos soak: removing a database closed it under a blocking pop still waiting there. */
    @Test
    void removingADatabaseLetsACommandStillInFlightThereFinish() throws Exception {
        startClientAndWriter();
        java.util.concurrent.CompletableFuture<io.lettuce.core.KeyValue<String, String>> pop =
                java.util.concurrent.CompletableFuture.supplyAsync(() -> client.sync().blpop(1, "queue"));
        await().atMost(Duration.ofSeconds(5)).until(() -> primary.command("CLIENT", "LIST").contains("cmd=blpop"));
        Database primaryDb = client.databases().get(0);
        client.setActiveDatabase(client.databases().get(1));

        client.removeDatabase(primaryDb);

        // The pop blocks for its full second on the removed database and ends normally: nothing came.
        assertThat(pop.get(10, java.util.concurrent.TimeUnit.SECONDS)).isNull();
        await().atMost(Duration.ofSeconds(5)).until(() -> !primary.command("CLIENT", "LIST").contains("cmd=blpop"));
    }

    @Test
    void aManualChoiceIsNotUndoneByAutoFallbackWhileItIsHealthy() {
        startClientAndWriter();
        long changes = client.activeDatabaseChanges();
        assertThat(changes).as("the initial choice counts").isEqualTo(1);
        client.setActiveDatabase(client.databases().get(1));
        assertThat(active()).isEqualTo("secondary");
        assertThat(client.activeDatabaseChanges()).isEqualTo(changes + 1);
        client.setActiveDatabase(client.databases().get(1));
        assertThat(client.activeDatabaseChanges()).as("already active: no change").isEqualTo(changes + 1);
        // The fallback interval is 500 ms: three of them pass without moving traffic back.
        await().during(Duration.ofMillis(1500)).atMost(Duration.ofSeconds(3)).until(() -> "secondary".equals(active()));
        assertThat(reasons()).contains(SwitchReason.MANUAL).doesNotContain(SwitchReason.FALLBACK);
    }

    /**
     * Defect 6: a manual choice of a database whose health checks pass stands although its circuit
     * is still OPEN (grace period after a failure); the next health result used to undo it.
     */
    @Test
    void aManualChoiceOfAHealthyDatabaseWithAnOpenCircuitStands() {
        client = MultiDbClient.create(Fixtures.twoDatabases(primary.uri(), secondary.uri())
                .database(DatabaseConfig.builder().fromUrl(third.uri()).name("third").weight(0.1)
                        .gracePeriod(Duration.ofMinutes(5)).build())
                .listener(MultiDbEvent.class, events::add).build());
        Database thirdDb = client.databases().get(2);
        third.kill();
        await().atMost(Duration.ofSeconds(5)).until(() -> thirdDb.circuitState() == CircuitState.OPEN);
        third.restart();
        await().atMost(Duration.ofSeconds(5)).until(thirdDb::isHealthy);
        assertThat(thirdDb.circuitState()).as("still in its grace period").isEqualTo(CircuitState.OPEN);

        client.setActiveDatabase(thirdDb);

        assertThat(active()).isEqualTo("third");
        // Health checks run every 200 ms, fallback every 500 ms: seven intervals pass without moving traffic.
        await().during(Duration.ofMillis(1500)).atMost(Duration.ofSeconds(3)).until(() -> "third".equals(active()));
        client.sync().set("k", "manual");
        assertThat(third.command("GET", "k")).isEqualTo("manual");
        assertThat(reasons()).containsExactly(SwitchReason.INITIAL, SwitchReason.MANUAL);
    }

    /** Defect 7: two concurrent addDatabase calls for one endpoint: one wins, the other is refused and leaks nothing. */
    @Test
    void concurrentAddsOfOneEndpointAddItOnce() throws Exception {
        // A strategy that takes its time once keeps the coordinator busy while both calls arrive,
        // as a coordinator busy with many databases would.
        AtomicBoolean slowOnce = new AtomicBoolean();
        CountDownLatch deciding = new CountDownLatch(1);
        WeightBasedFailoverStrategy weights = new WeightBasedFailoverStrategy();
        client = MultiDbClient.create(Fixtures.twoDatabases(primary.uri(), secondary.uri())
                .failoverStrategy(databases -> {
                    if (slowOnce.getAndSet(false)) {
                        deciding.countDown();
                        LockSupport.parkNanos(Duration.ofMillis(500).toNanos());
                    }
                    return weights.select(databases);
                }).build());
        slowOnce.set(true);
        CompletableFuture<Void> reweighing = CompletableFuture.runAsync(() -> client.updateDatabaseWeight(client.databases().get(0), 1.0));
        assertThat(deciding.await(5, TimeUnit.SECONDS)).isTrue();
        CyclicBarrier start = new CyclicBarrier(2);
        ExecutorService callers = Executors.newFixedThreadPool(2);
        try {
            List<Future<Database>> calls = new ArrayList<>();
            for (String name : List.of("third-a", "third-b")) {
                calls.add(callers.submit(() -> {
                    start.await(5, TimeUnit.SECONDS);
                    return client.addDatabase(Fixtures.db(name, third.uri(), 0.1));
                }));
            }
            List<Database> added = new ArrayList<>();
            List<Throwable> refused = new ArrayList<>();
            for (Future<Database> call : calls) {
                try {
                    added.add(call.get(30, TimeUnit.SECONDS));
                } catch (ExecutionException e) {
                    refused.add(e.getCause());
                }
            }
            assertThat(added).hasSize(1);
            assertThat(refused).singleElement(InstanceOfAssertFactories.THROWABLE).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("endpoint").hasMessageContaining(String.valueOf(third.port()));
            assertThat(client.databases()).extracting(Database::name).containsExactly("primary", "secondary", added.get(0).name());
            // The winner holds a health connection and a warm command connection; the loser nothing.
            await().atMost(Duration.ofSeconds(5)).until(() -> connectedClients(third) <= 3);
            await().during(Duration.ofMillis(600)).atMost(Duration.ofSeconds(2)).until(() -> connectedClients(third) <= 3);
            reweighing.get(5, TimeUnit.SECONDS);
        } finally {
            callers.shutdownNow();
        }
    }

    private static int connectedClients(RedisServer server) {
        for (String line : server.command("INFO", "clients").split("\r?\n")) {
            if (line.startsWith("connected_clients:")) {
                return Integer.parseInt(line.substring("connected_clients:".length()).trim());
            }
        }
        throw new IllegalStateException("no connected_clients");
    }

    @Test
    void anUnhealthyDatabaseCannotBeMadeActive() {
        startClientAndWriter();
        Database secondaryDb = client.databases().get(1);
        secondary.kill();
        await().atMost(Duration.ofSeconds(5)).until(() -> !secondaryDb.isHealthy());
        assertThatThrownBy(() -> client.setActiveDatabase(secondaryDb)).isInstanceOf(NoValidDatabaseException.class)
                .hasMessageContaining("secondary");
        assertThat(active()).isEqualTo("primary");
    }

    @Test
    void statusShowsEveryDatabaseAsTextAndJson() {
        startClientAndWriter();
        MultiDbStatus status = client.status();
        assertThat(status.active()).isEqualTo("primary");
        assertThat(status.databases()).extracting(MultiDbStatus.DatabaseStatus::name).containsExactly("primary", "secondary");
        assertThat(status.databases().get(0).active()).isTrue();
        assertThat(status.toString()).contains("active: primary").contains("secondary").contains("CLOSED");
        assertThat(status.toJson()).startsWith("{\"active\":\"primary\"").contains("\"circuit\":\"CLOSED\"");
        assertThat(status.databases().get(0).windowCommands()).isPositive();
    }
}
