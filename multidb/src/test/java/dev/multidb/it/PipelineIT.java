package dev.multidb.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisFuture;

import dev.multidb.MultiDbClient;
import dev.multidb.OutcomeUnknownException;
import dev.multidb.Pipeline;
import dev.multidb.RetryPolicy;
import dev.multidb.TemporaryUnavailableException;
import dev.multidb.testkit.FaultProxy;
import dev.multidb.testkit.RedisServer;

class PipelineIT {

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
        primary.close(); // thaws a frozen server first
        secondary.close();
    }

    @Test
    void repliesComeBackInOrderInAllThreeForms() throws Exception {
        client = MultiDbClient.create(Fixtures.twoDatabases(primary.uri(), secondary.uri()).build());
        assertThat(client.pipeline(p -> {
            p.set("a", "1");
            p.incrby("a", 2);
            p.get("a");
        })).containsExactly("OK", 3L, "3");

        try (Pipeline<String, String> pipe = client.pipeline()) {
            RedisFuture<Long> n = pipe.commands().incr("a");
            assertThat(n.isDone()).as("recorded, not sent").isFalse();
            assertThat(pipe.execute()).containsExactly(4L);
            assertThat(n.get()).isEqualTo(4L);
        }
        assertThat(client.pipelineAsync(p -> p.get("a")).get(5, TimeUnit.SECONDS)).containsExactly("4");
        assertThat(primary.command("GET", "a")).isEqualTo("4");
    }

    @Test
    void aRedisErrorReplyTakesItsPlaceInTheList() {
        client = MultiDbClient.create(Fixtures.twoDatabases(primary.uri(), secondary.uri()).build());
        List<Object> replies = client.pipeline(p -> {
            p.set("text", "abc");
            p.incr("text");
            p.get("text");
        });
        assertThat(replies.get(0)).isEqualTo("OK");
        assertThat(replies.get(1)).isInstanceOf(RedisCommandExecutionException.class);
        assertThat(replies.get(2)).isEqualTo("abc");
    }

    @Test
    void theBatchGoesOutInOneWriteNotOneRoundTripPerCommand() {
        proxy = FaultProxy.start(primary.host(), primary.port());
        client = MultiDbClient.create(Fixtures.twoDatabases(proxy.uri(), secondary.uri())
                .commandTimeout(Duration.ofSeconds(5)).healthCheckTimeout(Duration.ofSeconds(2)).build());
        proxy.setLatency(Duration.ofMillis(100));
        long started = System.nanoTime();
        List<Object> replies = client.pipeline(p -> {
            for (int i = 0; i < 50; i++) {
                p.set("k" + i, "v");
            }
        });
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
        assertThat(replies).hasSize(50).containsOnly("OK");
        // 50 round trips would take 5 s or more; one batch takes a few round trips at most.
        assertThat(millis).isLessThan(2500);
    }

    @Test
    void aReadOnlyPipelineInFlightOnAFrozenPrimaryIsSentAgainToTheSecondary() throws Exception {
        client = MultiDbClient.create(Fixtures.twoDatabases(primary.uri(), secondary.uri()).build());
        client.sync().ping();
        secondary.command("SET", "x", "on-secondary");
        primary.freeze();
        CompletableFuture<List<Object>> replies = client.pipelineAsync(p -> {
            p.get("x");
            p.exists("x");
        });
        assertThat(replies.get(10, TimeUnit.SECONDS)).containsExactly("on-secondary", 1L);
    }

    @Test
    void idempotentWritesInFlightOnAFrozenPrimaryAreNotSentAgainUnderTheDefaultPolicy() {
        client = MultiDbClient.create(Fixtures.twoDatabases(primary.uri(), secondary.uri()).build());
        client.sync().ping();
        primary.freeze();
        try {
            // The frozen primary applies them when it thaws: sent again, they would land twice, once late.
            assertThatThrownBy(() -> client.pipeline(p -> {
                p.set("x", "1");
                p.set("y", "2");
            })).isInstanceOf(OutcomeUnknownException.class).hasMessageContaining("SET");
            assertThat(secondary.command("EXISTS", "x")).isEqualTo("0");
        } finally {
            primary.thaw();
        }
    }

    @Test
    void underRetryPolicyIdempotentWritesInFlightOnAFrozenPrimaryAreSentAgainToTheSecondary() throws Exception {
        client = MultiDbClient.create(Fixtures.twoDatabases(primary.uri(), secondary.uri())
                .retryPolicy(RetryPolicy.IDEMPOTENT).build());
        client.sync().ping();
        primary.freeze();
        try {
            CompletableFuture<List<Object>> replies = client.pipelineAsync(p -> {
                p.set("x", "1");
                p.set("y", "2");
                p.get("x");
            });
            assertThat(replies.get(10, TimeUnit.SECONDS)).containsExactly("OK", "OK", "1");
            assertThat(secondary.command("GET", "y")).isEqualTo("2");
        } finally {
            primary.thaw();
        }
    }

    @Test
    void anUnsafePipelineInFlightOnAFrozenPrimaryReportsWhatMayHaveBeenApplied() {
        client = MultiDbClient.create(Fixtures.twoDatabases(primary.uri(), secondary.uri()).build());
        client.sync().ping();
        primary.freeze();
        assertThatThrownBy(() -> client.pipeline(p -> {
            p.set("x", "1");
            p.incr("counter");
        })).isInstanceOf(OutcomeUnknownException.class).hasMessageContaining("INCR").hasMessageContaining("primary");
        primary.thaw();
        await().atMost(Duration.ofSeconds(5)).until(() -> client.activeDatabase() != null);
        // Applied at most once wherever it went.
        String applied = primary.command("GET", "counter");
        assertThat(applied == null || applied.equals("1")).isTrue();
        assertThat(secondary.command("GET", "counter")).isNull();
    }

    @Test
    void blockingAndConnectionStateCommandsAreRefusedInAPipeline() {
        client = MultiDbClient.create(Fixtures.twoDatabases(primary.uri(), secondary.uri()).build());
        try (Pipeline<String, String> pipe = client.pipeline()) {
            RedisFuture<?> blpop = pipe.commands().blpop(1, "q");
            assertThat(blpop.isDone()).isTrue();
            assertThatThrownBy(blpop::get).hasMessageContaining("cannot be part of a pipeline");
        }
    }

    /** Found by the chaos soak: with no usable database the pipeline returned its exceptions as replies. */
    @Test
    void withNoUsableDatabaseAPipelineThrowsLikeASingleCommand() {
        client = MultiDbClient.create(Fixtures.twoDatabases(primary.uri(), secondary.uri()).build());
        primary.kill();
        secondary.kill();
        await().atMost(Duration.ofSeconds(10)).until(() -> client.activeDatabase() == null);

        assertThatThrownBy(() -> client.sync().set("k", "v")).isInstanceOf(TemporaryUnavailableException.class);
        assertThatThrownBy(() -> client.pipeline(p -> {
            p.set("a", "1");
            p.get("a");
        })).isInstanceOf(TemporaryUnavailableException.class);
    }
}
