package dev.multidb.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.lettuce.core.RedisException;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.ByteArrayCodec;

import dev.multidb.MultiDbClient;
import dev.multidb.testkit.RedisServer;

/** Every API (sync, async, reactive, connection view, custom codec) goes to the active database. */
class RoutingIT {

    static RedisServer primary;
    static RedisServer secondary;
    static MultiDbClient<String, String> client;

    @BeforeAll
    static void start() {
        primary = RedisServer.start();
        secondary = RedisServer.start();
        client = MultiDbClient.create(Fixtures.twoDatabases(primary.uri(), secondary.uri()).build());
    }

    @AfterAll
    static void stop() {
        client.close();
        primary.close();
        secondary.close();
    }

    @Test
    void syncAsyncAndReactiveGoToTheHighestWeightDatabase() throws Exception {
        client.sync().set("sync", "1");
        client.async().set("async", "2").get(5, TimeUnit.SECONDS);
        client.reactive().set("reactive", "3").block();

        assertThat(primary.command("GET", "sync")).isEqualTo("1");
        assertThat(primary.command("GET", "async")).isEqualTo("2");
        assertThat(primary.command("GET", "reactive")).isEqualTo("3");
        assertThat(secondary.command("EXISTS", "sync")).isEqualTo("0");
        assertThat(client.sync().get("reactive")).isEqualTo("3");
        assertThat(client.activeDatabase().name()).isEqualTo("primary");
    }

    @Test
    void redisErrorRepliesReachTheCallerUnchanged() {
        client.sync().set("text", "abc");
        assertThatThrownBy(() -> client.sync().incr("text")).isInstanceOf(RedisException.class)
                .hasMessageContaining("not an integer");
        assertThat(client.activeDatabase().name()).isEqualTo("primary");
    }

    @Test
    void connectionViewFollowsTheClientAndClosingItLeavesTheClientRunning() {
        StatefulRedisConnection<String, String> view = client.connect();
        view.sync().set("view", "v");
        view.close();
        assertThat(client.sync().get("view")).isEqualTo("v");
    }

    @Test
    void connectionStateCommandsAreRefusedWithAPointerToTheRightApi() {
        assertThatThrownBy(() -> client.sync().multi()).hasMessageContaining("client.connect()");
        assertThatThrownBy(() -> client.sync().select(1)).hasMessageContaining("client.connect()");
        assertThat(client.sync().ping()).isEqualTo("PONG");
    }

    @Test
    void anyLettuceCodecWorks() {
        try (MultiDbClient<byte[], byte[]> bytes = MultiDbClient.create(
                Fixtures.twoDatabases(primary.uri(), secondary.uri()).build(), ByteArrayCodec.INSTANCE)) {
            bytes.sync().set("raw".getBytes(), new byte[] {1, 2, 3});
            assertThat(bytes.sync().get("raw".getBytes())).containsExactly(1, 2, 3);
        }
    }
}
