package dev.multidb.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import io.lettuce.core.codec.ByteArrayCodec;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.dao.DataAccessException;
import org.springframework.data.redis.core.RedisOperations;
import org.springframework.data.redis.core.SessionCallback;
import org.springframework.data.redis.core.StringRedisTemplate;

import dev.multidb.DatabaseConfig;
import dev.multidb.MultiDbClient;
import dev.multidb.MultiDbConfig;
import dev.multidb.testkit.RedisServer;

/**
 * {@code SessionCallback} transactions (MULTI, INCR, RPUSH id, EXEC) under load while the primary
 * is frozen, thawed (so that anything it held back is applied late), then killed. Every
 * transaction is applied at most once across both databases, every one that reported success is
 * applied exactly once (on a database that still has its data), and each transaction is all or
 * nothing.
 */
class TransactionFailoverIT {

    private RedisServer primary;
    private RedisServer secondary;
    private MultiDbClient<byte[], byte[]> client;
    private MultiDbConnectionFactory factory;

    @BeforeEach
    void start() {
        primary = RedisServer.start();
        secondary = RedisServer.start();
        client = MultiDbClient.create(MultiDbConfig.builder()
                .database(DatabaseConfig.builder().fromUrl(primary.uri()).name("primary").weight(1.0)
                        .gracePeriod(Duration.ofMillis(500)).build())
                .database(DatabaseConfig.builder().fromUrl(secondary.uri()).name("secondary").weight(0.5)
                        .gracePeriod(Duration.ofMillis(500)).build())
                .healthCheckInterval(Duration.ofMillis(300))
                .busyBudget(Duration.ofSeconds(1))
                .autoFallbackInterval(Duration.ofMillis(500))
                .build(), ByteArrayCodec.INSTANCE);
        factory = new MultiDbConnectionFactory(client);
        factory.start();
    }

    @AfterEach
    void stop() {
        factory.destroy();
        client.close();
        primary.close();
        secondary.close();
    }

    @Test
    void sessionCallbackTransactionsAreNeverAppliedTwiceAcrossFreezeThawAndKill() throws Exception {
        StringRedisTemplate template = new StringRedisTemplate(factory);
        Set<String> succeeded = ConcurrentHashMap.newKeySet();
        Map<String, Throwable> failed = new ConcurrentHashMap<>();
        AtomicLong ids = new AtomicLong();
        AtomicBoolean stop = new AtomicBoolean();
        List<Thread> threads = new ArrayList<>();
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        for (int t = 0; t < 3; t++) {
            Thread th = new Thread(() -> {
                while (!stop.get() && System.nanoTime() < deadline) {
                    String id = "tx-" + ids.incrementAndGet();
                    try {
                        List<Object> result = template.execute(transaction(id));
                        if (result != null && result.size() == 2) {
                            succeeded.add(id);
                        } else {
                            failed.put(id, new AssertionError("EXEC answered " + result));
                        }
                    } catch (RuntimeException e) {
                        failed.put(id, e);
                    }
                }
            }, "tx-load-" + t);
            th.setDaemon(true);
            threads.add(th);
            th.start();
        }
        try {
            awaitSucceeded(succeeded, 100);
            primary.freeze();
            await().atMost(Duration.ofSeconds(10)).until(() -> "secondary".equals(active()));
            awaitSucceeded(succeeded, 100);
            primary.thaw(); // whatever the frozen server held back is applied now, late
            await().atMost(Duration.ofSeconds(10)).until(() -> "primary".equals(active()));
            awaitSucceeded(succeeded, 100);
            // Stop while both still hold their data, then compare the two logs.
            stop.set(true);
            for (Thread th : threads) {
                th.join(10_000);
            }
            List<String> onPrimary = log(primary);
            List<String> onSecondary = log(secondary);
            assertAllOrNothing(primary, onPrimary);
            assertAllOrNothing(secondary, onSecondary);
            Map<String, Integer> applied = new HashMap<>();
            onPrimary.forEach(id -> applied.merge(id, 1, Integer::sum));
            onSecondary.forEach(id -> applied.merge(id, 1, Integer::sum));
            assertThat(applied).as("transactions applied more than once").allSatisfy((id, times) -> assertThat(times).isEqualTo(1));
            assertThat(applied.keySet()).as("every transaction that reported success is applied").containsAll(succeeded);
            assertThat(applied.keySet()).as("nothing is applied that was never sent")
                    .allSatisfy(id -> assertThat(succeeded.contains(id) || failed.containsKey(id)).isTrue());
            assertThat(succeeded.size()).isGreaterThanOrEqualTo(300);
            assertThat(onSecondary).as("transactions ran on the secondary while the primary was frozen").isNotEmpty();

            // Killed: the transactions go on on the secondary. One that succeeded while the
            // secondary was active throughout (the client's switch count unchanged) is there once.
            Set<String> servedBySecondary = ConcurrentHashMap.newKeySet();
            stop.set(false);
            Thread after = new Thread(() -> {
                for (int i = 0; i < 300 && !stop.get(); i++) {
                    String id = "kill-" + i;
                    long changesBefore = client.activeDatabaseChanges();
                    String before = active();
                    try {
                        List<Object> result = template.execute(transaction(id));
                        String afterCall = active();
                        if (result != null && result.size() == 2 && "secondary".equals(before) && "secondary".equals(afterCall)
                                && client.activeDatabaseChanges() == changesBefore) {
                            servedBySecondary.add(id);
                        }
                    } catch (RuntimeException e) {
                        failed.put(id, e);
                    }
                }
            }, "tx-after-kill");
            after.start();
            primary.kill();
            after.join(30_000);
            List<String> killLog = log(secondary).stream().filter(id -> id.startsWith("kill-")).toList();
            assertThat(killLog).doesNotHaveDuplicates();
            assertThat(servedBySecondary).as("transactions served by the secondary after the kill").hasSizeGreaterThan(50);
            assertThat(killLog).containsAll(servedBySecondary);
            assertAllOrNothing(secondary, log(secondary));
        } finally {
            stop.set(true);
        }
    }

    private static SessionCallback<List<Object>> transaction(String id) {
        return new SessionCallback<>() {
            @Override
            @SuppressWarnings({ "unchecked", "rawtypes" })
            public List<Object> execute(RedisOperations ops) throws DataAccessException {
                ops.multi();
                ops.opsForValue().increment("counter");
                ops.opsForList().rightPush("log", id);
                return ops.exec();
            }
        };
    }

    /** The counter and the log are written in one transaction: they agree on every database. */
    private static void assertAllOrNothing(RedisServer server, List<String> log) {
        String counter = server.command("GET", "counter");
        assertThat(counter == null ? 0 : Long.parseLong(counter)).as("counter vs log on " + server).isEqualTo(log.size());
    }

    private static List<String> log(RedisServer server) {
        String reply = server.command("LRANGE", "log", "0", "-1");
        return reply == null || reply.isEmpty() ? List.of() : Arrays.asList(reply.split("\n"));
    }

    private String active() {
        return client.activeDatabase() == null ? null : client.activeDatabase().name();
    }

    private static void awaitSucceeded(Set<String> succeeded, int more) {
        int target = succeeded.size() + more;
        await().atMost(Duration.ofSeconds(15)).until(() -> succeeded.size() >= target);
    }
}
