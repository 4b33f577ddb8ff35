package dev.multidb.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import io.lettuce.core.codec.ByteArrayCodec;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.dao.DataAccessException;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import org.springframework.data.redis.core.RedisOperations;
import org.springframework.data.redis.core.SessionCallback;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.data.redis.listener.ChannelTopic;
import org.springframework.data.redis.listener.PatternTopic;
import org.springframework.data.redis.listener.RedisMessageListenerContainer;

import dev.multidb.Database;
import dev.multidb.DatabaseConfig;
import dev.multidb.MultiDbClient;
import dev.multidb.MultiDbConfig;
import dev.multidb.testkit.RedisServer;

/**
 * Spring Data Redis on {@link MultiDbConnectionFactory} without Spring Boot, against two real
 * redis-servers: what a plain Spring application uses works, and follows a switch.
 */
class SpringDataRedisIT {

    private RedisServer primary;
    private RedisServer secondary;
    private MultiDbClient<byte[], byte[]> client;
    private MultiDbConnectionFactory factory;
    private StringRedisTemplate template;

    @BeforeEach
    void start() {
        primary = RedisServer.start();
        secondary = RedisServer.start();
        client = MultiDbClient.create(MultiDbConfig.builder()
                .database(DatabaseConfig.builder().fromUrl(primary.uri()).name("primary").weight(1.0).build())
                .database(DatabaseConfig.builder().fromUrl(secondary.uri()).name("secondary").weight(0.5).build())
                .autoFallbackInterval(Duration.ZERO)
                .build(), ByteArrayCodec.INSTANCE);
        factory = new MultiDbConnectionFactory(client);
        factory.afterPropertiesSet();
        factory.start();
        template = new StringRedisTemplate(factory);
    }

    @AfterEach
    void stop() {
        if (factory != null) {
            factory.destroy();
        }
        if (client != null) {
            client.close();
        }
        primary.close();
        secondary.close();
    }

    @Test
    void templateOperationsPipelinesAndTransactionsRunOnTheActiveDatabase() {
        template.opsForValue().set("k", "v");
        template.opsForHash().put("h", "f", "1");
        template.opsForList().rightPushAll("l", "a", "b");
        assertThat(template.opsForValue().get("k")).isEqualTo("v");
        assertThat(primary.command("GET", "k")).isEqualTo("v");
        assertThat(secondary.command("EXISTS", "k")).isEqualTo("0");

        List<Object> piped = template.executePipelined((org.springframework.data.redis.core.RedisCallback<Object>) c -> {
            c.stringCommands().set("p1".getBytes(), "1".getBytes());
            c.stringCommands().incr("p1".getBytes());
            c.stringCommands().get("p1".getBytes());
            return null;
        });
        assertThat(piped).containsExactly(true, 2L, "2");

        List<Object> exec = template.execute(new SessionCallback<List<Object>>() {
            @Override
            @SuppressWarnings({ "unchecked", "rawtypes" })
            public List<Object> execute(RedisOperations ops) throws DataAccessException {
                ops.multi();
                ops.opsForValue().increment("tx");
                ops.opsForValue().increment("tx");
                ops.opsForList().rightPush("txlog", "x");
                return ops.exec();
            }
        });
        assertThat(exec).containsExactly(1L, 2L, 1L);
        assertThat(primary.command("GET", "tx")).isEqualTo("2");

        // Switched: the same template now writes to the secondary, pipelines and transactions too.
        client.setActiveDatabase(database("secondary"));
        template.opsForValue().set("k2", "v2");
        assertThat(secondary.command("GET", "k2")).isEqualTo("v2");
        assertThat(template.executePipelined((org.springframework.data.redis.core.RedisCallback<Object>) c -> {
            c.stringCommands().incr("p2".getBytes());
            return null;
        })).containsExactly(1L);
        assertThat(secondary.command("GET", "p2")).isEqualTo("1");
    }

    @Test
    void aWatchedKeyChangedByAnotherClientDiscardsTheTransaction() {
        template.opsForValue().set("balance", "10");
        List<Object> exec = template.execute(new SessionCallback<List<Object>>() {
            @Override
            @SuppressWarnings({ "unchecked", "rawtypes" })
            public List<Object> execute(RedisOperations ops) throws DataAccessException {
                ops.watch("balance");
                String current = (String) ops.opsForValue().get("balance");
                primary.command("SET", "balance", "99"); // a concurrent writer
                ops.multi();
                ops.opsForValue().set("balance", String.valueOf(Integer.parseInt(current) + 1));
                return ops.exec();
            }
        });
        assertThat(exec).isEmpty(); // Spring's answer to an aborted EXEC
        assertThat(template.opsForValue().get("balance")).isEqualTo("99");
    }

    @Test
    void blockingCommandsGetAConnectionOfTheirOwn() {
        long start = System.nanoTime();
        assertThat(template.opsForList().leftPop("empty", 200, TimeUnit.MILLISECONDS)).isNull();
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(150));
        template.opsForList().rightPush("queue", "job");
        assertThat(template.opsForList().leftPop("queue", 1, TimeUnit.SECONDS)).isEqualTo("job");
    }

    @Test
    void theListenerContainerFollowsASwitch() throws Exception {
        List<String> received = new CopyOnWriteArrayList<>();
        RedisMessageListenerContainer container = new RedisMessageListenerContainer();
        container.setConnectionFactory(factory);
        container.addMessageListener((message, pattern) -> received.add(new String(message.getBody())), new ChannelTopic("ch"));
        container.addMessageListener((message, pattern) -> received.add("pattern:" + new String(message.getBody())),
                new PatternTopic("pat.*"));
        container.afterPropertiesSet();
        container.start();
        try {
            await().atMost(Duration.ofSeconds(5)).until(() -> {
                template.convertAndSend("ch", "before");
                return received.contains("before");
            });
            // Published straight into the secondary: only a subscription that followed the switch hears it.
            client.setActiveDatabase(database("secondary"));
            await().atMost(Duration.ofSeconds(5)).until(() -> {
                secondary.command("PUBLISH", "ch", "after");
                secondary.command("PUBLISH", "pat.x", "after");
                return received.contains("after") && received.contains("pattern:after");
            });
        } finally {
            container.stop();
            container.destroy();
        }
        // The subscription's Pub/Sub connection is gone with the container.
        await().atMost(Duration.ofSeconds(5)).until(() -> "0".equals(secondary.command("PUBSUB", "NUMSUB", "ch").split("\n")[1].trim()));
    }

    @Test
    void theReactiveTemplateWorksOnItsOwnClientAndFollowsASwitch() {
        MultiDbClient<java.nio.ByteBuffer, java.nio.ByteBuffer> reactiveClient = MultiDbClient.create(client.config(),
                MultiDbConnectionFactory.REACTIVE_CODEC);
        MultiDbConnectionFactory both = new MultiDbConnectionFactory(client, reactiveClient);
        both.start();
        try {
            ReactiveStringRedisTemplate reactive = new ReactiveStringRedisTemplate(both);
            assertThat(reactive.opsForValue().set("rx", "1").block(Duration.ofSeconds(5))).isTrue();
            assertThat(reactive.opsForValue().increment("rx").block(Duration.ofSeconds(5))).isEqualTo(2L);
            assertThat(primary.command("GET", "rx")).isEqualTo("2");
            assertThat(both.getReactiveClient()).isSameAs(reactiveClient);
            reactiveClient.setActiveDatabase(reactiveClient.databases().stream()
                    .filter(d -> d.name().equals("secondary")).findFirst().orElseThrow());
            assertThat(reactive.opsForValue().set("rx", "on-secondary").block(Duration.ofSeconds(5))).isTrue();
            assertThat(secondary.command("GET", "rx")).isEqualTo("on-secondary");
        } finally {
            both.destroy();
            reactiveClient.close(); // given to the factory, so still the caller's to close
        }
    }

    private Database database(String name) {
        return client.databases().stream().filter(d -> d.name().equals(name)).findFirst().orElseThrow();
    }
}
