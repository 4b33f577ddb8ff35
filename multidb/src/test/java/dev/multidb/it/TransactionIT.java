package dev.multidb.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.lettuce.core.TransactionResult;

import dev.multidb.MultiDbClient;
import dev.multidb.WatchConflictException;
import dev.multidb.testkit.RedisServer;

class TransactionIT {

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

    private static void addHundred(io.lettuce.core.api.sync.RedisCommands<String, String> tx) {
        long current = Long.parseLong(Objects.requireNonNullElse(tx.get("balance"), "0"));
        tx.multi();
        tx.set("balance", String.valueOf(current + 100));
    }

    @Test
    void theDesignExampleWorks() {
        client = MultiDbClient.create(Fixtures.twoDatabases(primary.uri(), secondary.uri()).build());
        TransactionResult result = client.transaction(TransactionIT::addHundred, "balance");
        assertThat(result.wasDiscarded()).isFalse();
        assertThat(result.<String>get(0)).isEqualTo("OK");
        client.transaction(TransactionIT::addHundred, "balance");
        assertThat(primary.command("GET", "balance")).isEqualTo("200");
    }

    @Test
    void withoutWatchKeysEverythingIsQueued() {
        client = MultiDbClient.create(Fixtures.twoDatabases(primary.uri(), secondary.uri()).build());
        TransactionResult result = client.transaction(tx -> {
            tx.set("a", "1");
            tx.incr("a");
        });
        assertThat(result.<Object>get(1)).isEqualTo(2L);
    }

    @Test
    void watchConflictsRerunTheCallbackAndTheFinalValueCountsEverySuccess() throws Exception {
        client = MultiDbClient.create(Fixtures.twoDatabases(primary.uri(), secondary.uri()).build());
        ExecutorService pool = Executors.newFixedThreadPool(6);
        AtomicInteger succeeded = new AtomicInteger();
        AtomicInteger conflicted = new AtomicInteger();
        List<Future<?>> futures = new ArrayList<>();
        for (int t = 0; t < 6; t++) {
            futures.add(pool.submit(() -> {
                for (int i = 0; i < 50; i++) {
                    try {
                        client.transaction(tx -> {
                            long current = Long.parseLong(Objects.requireNonNullElse(tx.get("counter"), "0"));
                            tx.multi();
                            tx.set("counter", String.valueOf(current + 1));
                        }, "counter");
                        succeeded.incrementAndGet();
                    } catch (WatchConflictException e) {
                        conflicted.incrementAndGet();
                    }
                }
            }));
        }
        for (Future<?> f : futures) {
            f.get(60, TimeUnit.SECONDS);
        }
        pool.shutdown();
        assertThat(succeeded.get() + conflicted.get()).isEqualTo(300);
        assertThat(primary.command("GET", "counter")).isEqualTo(String.valueOf(succeeded.get()));
    }

    @Test
    void aTransactionInFlightWhenThePrimaryIsKilledRunsAgainOnTheSecondary() {
        client = MultiDbClient.create(Fixtures.twoDatabases(primary.uri(), secondary.uri()).build());
        AtomicInteger runs = new AtomicInteger();
        TransactionResult result = client.transaction(tx -> {
            if (runs.incrementAndGet() == 1) {
                tx.get("balance");
                primary.kill(); // mid-callback, before EXEC
            }
            addHundred(tx);
        }, "balance");
        assertThat(result.wasDiscarded()).isFalse();
        assertThat(runs.get()).isGreaterThanOrEqualTo(2);
        assertThat(secondary.command("GET", "balance")).isEqualTo("100");
        assertThat(client.activeDatabase().name()).isEqualTo("secondary");
    }

    /**
     * Found by the chaos soak: with the active database frozen, transactions beyond the pool's eight
     * connections waited for one that never came, and failed instead of running on the new database.
     */
    @Test
    void moreTransactionsThanPooledConnectionsOnAFrozenPrimaryAllRunOnTheSecondary() throws Exception {
        client = MultiDbClient.create(Fixtures.twoDatabases(primary.uri(), secondary.uri()).build());
        client.transaction(tx -> {
            tx.multi();
            tx.set("warm", "1");
        }, "warm");
        primary.freeze();
        int count = 3 * dev.multidb.database.DedicatedLending.POOL_SIZE;
        ExecutorService pool = Executors.newFixedThreadPool(count);
        try {
            List<Future<TransactionResult>> results = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                String key = "t:" + i;
                results.add(pool.submit(() -> client.transaction(tx -> {
                    tx.multi();
                    tx.set(key, "done");
                }, key)));
            }
            for (Future<TransactionResult> result : results) {
                assertThat(result.get(30, TimeUnit.SECONDS).wasDiscarded()).isFalse();
            }
        } finally {
            pool.shutdownNow();
        }
        for (int i = 0; i < count; i++) {
            assertThat(secondary.command("GET", "t:" + i)).isEqualTo("done");
        }
    }

    @Test
    void blockingPopDoesNotStallOtherThreads() throws Exception {
        client = MultiDbClient.create(Fixtures.twoDatabases(primary.uri(), secondary.uri()).build());
        ExecutorService pool = Executors.newSingleThreadExecutor();
        Future<?> popped = pool.submit(() -> client.sync().blpop(10, "queue"));
        await().atMost(Duration.ofSeconds(5)).until(() -> primary.command("CLIENT", "LIST").contains("cmd=blpop"));
        for (int i = 0; i < 200; i++) {
            client.sync().set("k", String.valueOf(i));
            assertThat(client.sync().get("k")).isEqualTo(String.valueOf(i));
        }
        assertThat(popped.isDone()).isFalse();
        client.sync().rpush("queue", "item");
        assertThat(popped.get(5, TimeUnit.SECONDS)).hasToString("KeyValue[queue, item]");
        pool.shutdown();
    }
}
