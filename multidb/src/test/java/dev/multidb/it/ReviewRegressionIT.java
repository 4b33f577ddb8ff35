package dev.multidb.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.lettuce.core.KeyValue;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.TransactionResult;

import dev.multidb.MultiDbClient;
import dev.multidb.testkit.FaultProxy;
import dev.multidb.testkit.RedisServer;

/**
 * Regression tests for bugs found in review. The first was checked to fail without its fix (the
 * shared output unguarded); the others pin the fixed behaviour.
 */
class ReviewRegressionIT {

    private final RedisServer primary = RedisServer.start();
    private final RedisServer secondary = RedisServer.start();
    private FaultProxy proxy;
    private MultiDbClient<String, String> client;

    @AfterEach
    void stop() {
        if (client != null) {
            client.close();
        }
        if (proxy != null) {
            proxy.close();
        }
        primary.close();
        secondary.close();
    }

    @Test
    void aLateReplyToATimedOutAttemptNeverLandsInTheRetrysResult() {
        for (RedisServer server : List.of(primary, secondary)) {
            server.command("RPUSH", "list", "a", "b", "c");
        }
        proxy = FaultProxy.start(primary.host(), primary.port());
        client = MultiDbClient.create(Fixtures.twoDatabases(proxy.uri(), secondary.uri()).build());
        proxy.setLatency(Duration.ofMillis(1300)); // longer than the 1 s command timeout
        List<String> values = client.sync().lrange("list", 0, -1);
        assertThat(values).containsExactly("a", "b", "c");
        // The primary's reply arrives ~1.3 s after the request: it must not be appended to the
        // list the application already holds.
        List<String> snapshot = new ArrayList<>(values);
        await().during(Duration.ofMillis(1500)).atMost(Duration.ofSeconds(3)).until(() -> values.equals(snapshot));
    }

    @Test
    void aCallbackThatCallsMultiItselfWorksWithoutWatchKeysAndLeavesNoPoisonedConnection() {
        client = MultiDbClient.create(Fixtures.twoDatabases(primary.uri(), secondary.uri()).build());
        for (int i = 0; i < 20; i++) {
            TransactionResult result = client.transaction(tx -> {
                tx.multi();
                tx.incr("n");
            });
            assertThat(result.<Long>get(0)).isEqualTo(i + 1L);
        }
        TransactionResult watched = client.transaction(tx -> {
            tx.get("n");
            tx.multi();
            tx.set("n", "0");
        }, "n");
        assertThat(watched.wasDiscarded()).isFalse();
    }

    @Test
    void aCancelledBlockingPopDoesNotSwallowALaterPush() throws Exception {
        client = MultiDbClient.create(Fixtures.twoDatabases(primary.uri(), secondary.uri()).build());
        List<RedisFuture<KeyValue<String, String>>> pops = new ArrayList<>();
        for (int i = 0; i < 10; i++) { // more than the 8 dedicated connections per database
            pops.add(client.async().blpop(0, "queue"));
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> primary.command("CLIENT", "LIST").split("cmd=blpop", -1).length - 1 == 8);
        pops.forEach(p -> p.cancel(true));
        await().atMost(Duration.ofSeconds(5)).until(() -> !primary.command("CLIENT", "LIST").contains("cmd=blpop"));
        client.sync().rpush("queue", "item");
        assertThat(primary.command("LRANGE", "queue", "0", "-1")).isEqualTo("item");
        // The pool is usable again: a new blocking pop gets the item.
        assertThat(client.async().blpop(1, "queue").get(5, TimeUnit.SECONDS).getValue()).isEqualTo("item");
    }
}
