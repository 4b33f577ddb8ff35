package dev.multidb.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

import dev.multidb.AllDatabasesUnavailableEvent;
import dev.multidb.Database;
import dev.multidb.DatabaseConfig;
import dev.multidb.MultiDbClient;
import dev.multidb.MultiDbConfig;
import dev.multidb.WeightChangedEvent;
import dev.multidb.event.EventBus;
import dev.multidb.testkit.RedisServer;

/** The meters follow a real failover, an outage and databases added and removed at runtime. */
class MultiDbMetricsIT {

    private final RedisServer primary = RedisServer.start();
    private final RedisServer secondary = RedisServer.start();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final List<AutoCloseable> closeables = new CopyOnWriteArrayList<>();

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : closeables) {
            c.close();
        }
        primary.close();
        secondary.close();
        registry.close();
    }

    // Fixtures in dev.multidb.it is package-private; these mirror Fixtures.db / Fixtures.twoDatabases.
    private static DatabaseConfig db(String name, String uri, double weight, Duration gracePeriod) {
        return DatabaseConfig.builder().fromUrl(uri).name(name).weight(weight).gracePeriod(gracePeriod).build();
    }

    private static MultiDbConfig.Builder twoDatabases(String primaryUri, String secondaryUri, Duration gracePeriod) {
        return MultiDbConfig.builder()
                .database(db("primary", primaryUri, 1.0, gracePeriod))
                .database(db("secondary", secondaryUri, 0.5, gracePeriod))
                .healthCheckInterval(Duration.ofMillis(200))
                .healthCheckDelay(Duration.ofMillis(50))
                .autoFallbackInterval(Duration.ofMillis(500));
    }

    private MultiDbClient<String, String> client(MultiDbConfig config) {
        MultiDbClient<String, String> client = MultiDbClient.create(config);
        closeables.add(0, client); // closed after the metrics and the writer
        return client;
    }

    private MultiDbMetrics bind(MultiDbClient<String, String> client) {
        MultiDbMetrics metrics = MultiDbMetrics.bind(client, registry, Tags.of("client", "it"));
        closeables.add(0, metrics);
        return metrics;
    }

    private double gauge(String name, String database) {
        Gauge gauge = registry.find(name).tag("client", "it").tag("database", database).gauge();
        return gauge == null ? Double.NaN : gauge.value();
    }

    private double counter(String name, String... tags) {
        return registry.find(name).tag("client", "it").tags(tags).counters().stream().mapToDouble(Counter::count).sum();
    }

    private List<String> multidbMeters() {
        return registry.getMeters().stream().map(m -> m.getId().getName()).filter(n -> n.startsWith("multidb.")).toList();
    }

    /** Writes SET last i in a loop on its own thread, so that the primary fails under traffic. */
    private final class Writer implements AutoCloseable {
        final AtomicLong written = new AtomicLong();
        final AtomicBoolean running = new AtomicBoolean(true);
        final Thread thread;

        Writer(MultiDbClient<String, String> client) {
            thread = new Thread(() -> {
                while (running.get()) {
                    try {
                        client.sync().set("last", Long.toString(written.incrementAndGet()));
                    } catch (RuntimeException e) {
                        // Counted by the metrics; the test asserts on those.
                    }
                }
            }, "test-writer");
            thread.start();
            closeables.add(0, this);
        }

        @Override
        public void close() throws InterruptedException {
            running.set(false);
            thread.join(10_000);
        }
    }

    @Test
    void failoverIsCountedAndGaugesFollowTheClient() {
        // Detection from traffic (as in FailoverIT); a long grace period keeps the primary's circuit OPEN.
        MultiDbClient<String, String> client = client(twoDatabases(primary.uri(), secondary.uri(), Duration.ofSeconds(30))
                .healthCheckInterval(Duration.ofSeconds(5))
                .autoFallbackInterval(Duration.ZERO).build());
        MultiDbMetrics metrics = bind(client);

        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            assertThat(gauge("multidb.circuit.state", "primary")).isEqualTo(0);
            assertThat(gauge("multidb.active", "primary")).isEqualTo(1);
            assertThat(gauge("multidb.active", "secondary")).isEqualTo(0);
            assertThat(gauge("multidb.health.healthy", "primary")).isEqualTo(1);
            assertThat(gauge("multidb.health.latency", "primary")).isGreaterThanOrEqualTo(0);
        });
        assertThat(registry.find("multidb.unavailable.active").gauge().value()).isZero();

        Writer writer = new Writer(client);
        await().atMost(Duration.ofSeconds(10)).until(() -> writer.written.get() > 100);
        primary.kill();

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            assertThat(counter("multidb.switches", "reason", "FAILOVER", "to", "secondary")).isEqualTo(1);
            assertThat(gauge("multidb.circuit.state", "primary")).isEqualTo(2);
            assertThat(gauge("multidb.active", "secondary")).isEqualTo(1);
            assertThat(gauge("multidb.active", "primary")).isEqualTo(0);
            assertThat(counter("multidb.command.failures", "database", "primary")).isPositive();
            assertThat(counter("multidb.retries")).isPositive();
        });
        // SET is idempotent: the failed attempts were retried on the secondary.
        assertThat(counter("multidb.command.failures", "database", "primary", "retried", "true")).isPositive();
        assertThat(registry.find("multidb.command.failures").tag("database", "primary").counters())
                .allSatisfy(c -> assertThat(c.getId().getTag("kind")).isNotBlank().doesNotContain("."));
        assertThat(counter("multidb.switches")).isEqualTo(1);

        metrics.close();
        assertThat(multidbMeters()).isEmpty();
        metrics.close(); // idempotent
    }

    @Test
    void eventsDroppedByAFullQueueShowInStatusAndMetrics() throws InterruptedException {
        MultiDbClient<String, String> client = client(twoDatabases(primary.uri(), secondary.uri(), Duration.ofSeconds(1)).build());
        MultiDbMetrics metrics = bind(client);
        FunctionCounter dropped = registry.find("multidb.events.dropped").tag("client", "it").functionCounter();
        assertThat(dropped).isNotNull();
        assertThat(dropped.count()).isZero();
        assertThat(client.status().droppedEvents()).isZero();

        java.util.concurrent.CountDownLatch entered = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        client.addListener(WeightChangedEvent.class, e -> {
            entered.countDown();
            try {
                release.await(30, java.util.concurrent.TimeUnit.SECONDS);
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
            }
        });
        try {
            Database secondaryDb = client.databases().stream().filter(d -> d.name().equals("secondary")).findFirst().orElseThrow();
            client.updateDatabaseWeight(secondaryDb, 0.4);
            assertThat(entered.await(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
            // The event thread is stuck in the listener: the queue fills up, then every further event is dropped.
            int published = EventBus.DEFAULT_CAPACITY + 50;
            for (int i = 0; i < published; i++) {
                client.updateDatabaseWeight(secondaryDb, i % 2 == 0 ? 0.3 : 0.4);
            }
            long droppedNow = client.status().droppedEvents();
            assertThat(droppedNow).isGreaterThanOrEqualTo(50).isLessThanOrEqualTo(published);
            assertThat(client.status().toJson()).contains("\"droppedEvents\":" + droppedNow);
            assertThat(client.status().toString()).contains("dropped events: " + droppedNow);
            await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(dropped.count()).isEqualTo(droppedNow));
        } finally {
            release.countDown();
        }
        metrics.close();
    }

    @Test
    void outageIsTimedAndStopsBeingCountedAfterClose() {
        MultiDbClient<String, String> client = client(twoDatabases(primary.uri(), secondary.uri(), Duration.ofMillis(500))
                .build());
        MultiDbMetrics metrics = bind(client);
        Timer outages = registry.find("multidb.unavailable").tag("client", "it").timer();
        Gauge unavailable = registry.find("multidb.unavailable.active").tag("client", "it").gauge();
        assertThat(outages.count()).isZero();

        primary.kill();
        secondary.kill();
        await().atMost(Duration.ofSeconds(10)).until(() -> unavailable.value() == 1);
        assertThat(outages.count()).isZero();

        secondary.restart();
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            assertThat(outages.count()).isEqualTo(1);
            assertThat(counter("multidb.switches", "reason", "RECOVERY", "to", "secondary")).isEqualTo(1);
            assertThat(unavailable.value()).isZero();
        });
        assertThat(outages.totalTime(TimeUnit.MILLISECONDS)).isPositive();

        metrics.close();
        assertThat(multidbMeters()).isEmpty();

        // Events after close change nothing: wait until a listener bound after the metrics saw the
        // next outage (listeners of one type run in order on one thread), then look again.
        AtomicBoolean seen = new AtomicBoolean();
        client.addListener(AllDatabasesUnavailableEvent.class, e -> seen.set(true));
        secondary.kill();
        await().atMost(Duration.ofSeconds(10)).untilTrue(seen);
        assertThat(multidbMeters()).isEmpty();
    }

    @Test
    void perDatabaseGaugesFollowDatabasesAddedAndRemoved() {
        MultiDbClient<String, String> client = client(twoDatabases(primary.uri(), secondary.uri(), Duration.ofMillis(500))
                .build());
        bind(client);
        try (RedisServer third = RedisServer.start()) {
            assertThat(registry.find("multidb.circuit.state").tag("database", "third").gauge()).isNull();

            Database added = client.addDatabase(db("third", third.uri(), 0.2, Duration.ofMillis(500)));
            await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
                assertThat(gauge("multidb.circuit.state", "third")).isEqualTo(0);
                assertThat(gauge("multidb.health.healthy", "third")).isEqualTo(1);
                assertThat(gauge("multidb.active", "third")).isEqualTo(0);
            });

            client.removeDatabase(added);
            await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
                    assertThat(registry.find("multidb.circuit.state").tag("database", "third").meters()).isEmpty());
            assertThat(registry.getMeters()).noneMatch(m -> "third".equals(m.getId().getTag("database")));
            assertThat(gauge("multidb.active", "primary")).isEqualTo(1);
        }
    }
}
