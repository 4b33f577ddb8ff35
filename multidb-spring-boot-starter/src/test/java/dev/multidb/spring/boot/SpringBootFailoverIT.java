package dev.multidb.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

import io.lettuce.core.LettuceVersion;
import io.micrometer.core.instrument.MeterRegistry;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.dao.DataAccessException;
import org.springframework.data.redis.core.StringRedisTemplate;

import dev.multidb.MultiDbClient;
import dev.multidb.OutcomeUnknownException;
import dev.multidb.SwitchReason;
import dev.multidb.spring.MultiDbConnectionFactory;
import dev.multidb.testkit.RedisServer;

/**
 * A real Spring Boot application (web server, actuator, cache, listener container) on multidb over
 * two real redis-servers; the primary is killed, restored, frozen and thawed, then both are lost
 * and restored, while {@code StringRedisTemplate}, a {@code @Cacheable} method and a publisher run
 * without pause. At each step the health endpoint is read over HTTP and must say what is true.
 */
class SpringBootFailoverIT {

    private static final Duration SWITCH_BOUND = Duration.ofSeconds(10);

    private RedisServer primary;
    private RedisServer secondary;
    private ConfigurableApplicationContext context;

    @BeforeEach
    void start() {
        primary = RedisServer.start();
        secondary = RedisServer.start();
        context = BootApps.start(primary, secondary);
    }

    @AfterEach
    void stop() {
        if (context != null) {
            context.close();
            // The context closed the client: none of its threads is left.
            await().atMost(Duration.ofSeconds(10)).until(() -> Thread.getAllStackTraces().keySet().stream()
                    .noneMatch(t -> t.isAlive() && t.getName().startsWith("multidb-")));
        }
        if (primary != null) {
            primary.close();
        }
        if (secondary != null) {
            secondary.close();
        }
    }

    @Test
    void templateCacheAndListenerRideThroughKillFreezeAndRestoreWhileHealthTellsTheTruth() throws Exception {
        StringRedisTemplate template = context.getBean(StringRedisTemplate.class);
        TestApp.Greetings greetings = context.getBean(TestApp.Greetings.class);
        TestApp.News news = context.getBean(TestApp.News.class);
        TestApp.Switches switches = context.getBean(TestApp.Switches.class);
        ActuatorHealth health = new ActuatorHealth(BootApps.port(context));

        assertThat(LettuceVersion.getVersion()).as("Lettuce at run time, under Spring Boot's management")
                .startsWith("7.7.0.RELEASE");
        ActuatorHealth.Reading initial = health.read();
        assertThat(context.getBean(MultiDbConnectionFactory.class).getReactiveClient())
                .as("no second client for an application that does not use the reactive API").isNull();
        assertThat(initial.httpStatus()).isEqualTo(200);
        assertThat(initial.status()).isEqualTo("UP");
        assertThat(initial.active()).isEqualTo("primary");
        assertThat(initial.database("primary").path("weight").asDouble()).isEqualTo(1.0);
        assertThat(initial.database("primary").path("circuit").asText()).isEqualTo("CLOSED");
        assertThat(initial.database("primary").path("active").asBoolean()).isTrue();
        assertThat(initial.database("secondary").path("active").asBoolean()).isFalse();
        // The listener container is subscribed once a message published now arrives.
        AtomicLong published = new AtomicLong();
        await().atMost(SWITCH_BOUND).until(() -> {
            template.convertAndSend(TestApp.CHANNEL, "m-" + published.incrementAndGet());
            return !news.received.isEmpty();
        });

        // Idempotent writes, reads and @Cacheable calls: none of them may fail on a kill.
        Load commands = new Load("template", 2, Duration.ofSeconds(90), (t, i) -> {
            String key = "key-" + t + "-" + (i % 200);
            template.opsForValue().set(key, "v" + i);
            // The databases here do not replicate: a key written before a switch is not on the other one.
            template.opsForValue().get(key);
            assertThat(greetings.greet("user-" + (i % 20))).isEqualTo("hello user-" + (i % 20));
        });
        // PUBLISH is not idempotent: a publish in flight on a killed server may fail (outcome unknown).
        List<Throwable> publishFailures = new ArrayList<>();
        Load publisher = new Load("publisher", 1, Duration.ofSeconds(90), (t, i) -> {
            try {
                template.convertAndSend(TestApp.CHANNEL, "m-" + published.incrementAndGet());
            } catch (DataAccessException e) {
                publishFailures.add(e);
            }
            LockSupport.parkNanos(Duration.ofMillis(5).toNanos()); // pacing: about 200 messages a second
        });
        try {
            awaitProgress(commands, 200);

            // 1. Kill the primary: traffic moves to the secondary, no call fails.
            primary.kill();
            await().atMost(SWITCH_BOUND).until(() -> "secondary".equals(activeName()));
            ActuatorHealth.Reading afterKill = health.read();
            assertThat(afterKill.httpStatus()).isEqualTo(200);
            assertThat(afterKill.status()).isEqualTo("UP");
            assertThat(afterKill.active()).isEqualTo("secondary");
            assertThat(afterKill.database("primary").path("healthy").asBoolean()).isFalse();
            assertThat(afterKill.database("primary").path("circuit").asText()).isEqualTo("OPEN");
            assertThat(afterKill.database("primary").path("active").asBoolean()).isFalse();
            assertThat(afterKill.database("secondary").path("active").asBoolean()).isTrue();
            awaitProgress(commands, 200);
            awaitMessagesPublishedAfter(published.get(), news, 20);
            assertThat(commands.failures).as("calls that failed on kill").isEmpty();
            assertThat(switches.seen).as("switches published as application events")
                    .anyMatch(e -> e.newDatabase() != null && e.newDatabase().name().equals("secondary"));
            MeterRegistry meters = context.getBean(MeterRegistry.class);
            assertThat(meters.get("multidb.switches").tag("to", "secondary").counter().count())
                    .as("multidb's meters are bound to the application's registry").isGreaterThanOrEqualTo(1);
            assertThat(meters.get("multidb.active").tag("database", "secondary").gauge().value()).isEqualTo(1.0);

            // 2. Restore the primary: traffic falls back to it.
            primary.restart();
            await().atMost(SWITCH_BOUND).until(() -> "primary".equals(activeName()));
            ActuatorHealth.Reading afterRestore = health.read();
            assertThat(afterRestore.status()).isEqualTo("UP");
            assertThat(afterRestore.active()).isEqualTo("primary");
            assertThat(afterRestore.database("primary").path("healthy").asBoolean()).isTrue();
            assertThat(afterRestore.database("primary").path("circuit").asText()).isEqualTo("CLOSED");
            awaitProgress(commands, 200);
            awaitMessagesPublishedAfter(published.get(), news, 20);
            assertThat(commands.failures).as("calls that failed on fallback").isEmpty();
            assertThat(switches.seen).anyMatch(e -> e.reason() == SwitchReason.FALLBACK
                    && e.newDatabase().name().equals("primary"));

            // 3. Freeze the primary: it is left when the busy budget runs out. A write in flight on a
            //    frozen server may still be applied when it thaws, so the only failure allowed is
            //    "outcome unknown" for writes; reads and cached calls never fail.
            primary.freeze();
            await().atMost(SWITCH_BOUND).until(() -> "secondary".equals(activeName()));
            ActuatorHealth.Reading afterFreeze = health.read();
            assertThat(afterFreeze.status()).isEqualTo("UP");
            assertThat(afterFreeze.active()).isEqualTo("secondary");
            assertThat(afterFreeze.database("primary").path("active").asBoolean()).isFalse();
            awaitProgress(commands, 200);
            awaitMessagesPublishedAfter(published.get(), news, 20);
            assertThat(commands.failures).as("calls that failed on freeze")
                    .allSatisfy(e -> assertThat(outcomeUnknown(e)).as("%s", e).isTrue());
            primary.thaw();
            await().atMost(SWITCH_BOUND).until(() -> "primary".equals(activeName()));
            assertThat(health.read().active()).isEqualTo("primary");
        } finally {
            commands.close();
            publisher.close();
        }

        // 4. Both lost: the health endpoint says DOWN (503); both back: UP again, and calls work.
        primary.kill();
        secondary.kill();
        await().atMost(SWITCH_BOUND).until(() -> health.read().httpStatus() == 503);
        ActuatorHealth.Reading down = health.read();
        assertThat(down.status()).isEqualTo("DOWN");
        assertThat(down.database("primary").path("healthy").asBoolean()).isFalse();
        assertThat(down.database("secondary").path("healthy").asBoolean()).isFalse();
        primary.restart();
        secondary.restart();
        await().atMost(SWITCH_BOUND).until(() -> health.read().httpStatus() == 200);
        assertThat(health.read().status()).isEqualTo("UP");
        await().atMost(SWITCH_BOUND).ignoreExceptions().untilAsserted(() -> {
            template.opsForValue().set("after-outage", "ok");
            assertThat(template.opsForValue().get("after-outage")).isEqualTo("ok");
        });
        assertThat(publishFailures).as("publish failures are possible but rare").hasSizeLessThan(50);
        assertThat(context.getBean(MultiDbConnectionFactory.class).getReactiveClient())
                .as("the cache and the health indicators used the imperative client only").isNull();
    }

    @SuppressWarnings("unchecked")
    private String activeName() {
        MultiDbClient<byte[], byte[]> client = context.getBean(MultiDbClient.class);
        return client.activeDatabase() == null ? null : client.activeDatabase().name();
    }

    private static boolean outcomeUnknown(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof OutcomeUnknownException) {
                return true;
            }
        }
        return false;
    }

    private static void awaitProgress(Load load, long calls) {
        long target = load.succeeded.get() + calls;
        await().atMost(SWITCH_BOUND).until(() -> load.succeeded.get() >= target);
    }

    /** Messages keep arriving: {@code count} messages published after {@code since} are received. */
    private static void awaitMessagesPublishedAfter(long since, TestApp.News news, int count) {
        await().atMost(SWITCH_BOUND).until(() -> news.received.stream()
                .mapToLong(m -> Long.parseLong(m.substring(2))).filter(n -> n > since).count() >= count);
    }
}
