package dev.multidb.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.lettuce.core.KillArgs;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.RedisURI;
import io.lettuce.core.TransactionResult;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.api.sync.RedisCommands;

import dev.multidb.CommandRetry;
import dev.multidb.MultiDbClient;
import dev.multidb.testkit.RedisServer;

/**
 * Review of {@code connect()}: edge cases where a connection's state or a transaction could be
 * broken by what multidb adds under Lettuce (pinning, retries), each compared with what a plain
 * Lettuce connection does.
 */
class ConnectReviewIT {

    private final RedisServer primary = RedisServer.start();
    private final RedisServer secondary = RedisServer.start();
    private final List<RedisClient> plainClients = new CopyOnWriteArrayList<>();
    private MultiDbClient<String, String> client;

    @AfterEach
    void stop() {
        if (client != null) {
            client.close();
        }
        plainClients.forEach(RedisClient::shutdown);
        primary.close();
        secondary.close();
    }

    private String valueIn(RedisServer server, int db, String key) {
        RedisClient plain = RedisClient.create(RedisURI.builder().withHost(server.host()).withPort(server.port())
                .withDatabase(db).build());
        plainClients.add(plain);
        try (StatefulRedisConnection<String, String> connection = plain.connect()) {
            return connection.sync().get(key);
        }
    }

    /**
     * On a plain Lettuce connection, a SELECT answered OK is remembered whatever came before it
     * (WATCH included) and re-applied on reconnect; here it must follow the connection to the next
     * database too, or later writes land in index 0.
     */
    @Test
    void aSelectSentWhileWatchingFollowsTheConnectionToTheNextDatabase() {
        client = MultiDbClient.create(Fixtures.twoDatabases(primary.uri(), secondary.uri()).build());
        try (StatefulRedisConnection<String, String> connection = client.connect()) {
            RedisCommands<String, String> sync = connection.sync();
            sync.watch("w");
            assertThat(sync.select(2)).isEqualTo("OK");
            sync.unwatch();
            sync.set("indexed", "east");
            assertThat(valueIn(primary, 2, "indexed")).isEqualTo("east");

            primary.kill();
            await().atMost(Duration.ofSeconds(10)).until(() -> client.activeDatabase().name().equals("secondary"));
            sync.set("indexed", "west");
            assertThat(valueIn(secondary, 0, "indexed")).isNull();
            assertThat(valueIn(secondary, 2, "indexed")).isEqualTo("west");
        }
    }

    /**
     * A command whose attempt failed before the application began a transaction is retried later:
     * the retry must not join the transaction (it would be answered QUEUED, shift EXEC's results,
     * or be dropped by DISCARD while its caller was told it ran).
     */
    @Test
    void aRetryOfACommandSentBeforeMultiDoesNotJoinTheTransaction() throws Exception {
        // A long backoff (full jitter in [0, 5 s]): the retry almost always comes after MULTI.
        client = MultiDbClient.create(Fixtures.twoDatabases(primary.uri(), secondary.uri())
                .commandTimeout(Duration.ofSeconds(10)) // the transaction stays open while the retry waits
                .commandRetry(CommandRetry.exponentialWithJitter(3, Duration.ofSeconds(5), Duration.ofSeconds(5))).build());
        try (StatefulRedisConnection<String, String> connection = client.connect()) {
            RedisCommands<String, String> sync = connection.sync();
            RedisAsyncCommands<String, String> async = connection.async();
            sync.set("k", "v");
            long id = sync.clientId();
            // The server closes this connection after answering the kill: the GET behind it is cut, and retried.
            RedisFuture<Long> kill = async.clientKill(KillArgs.Builder.id(id).skipme(false));
            RedisFuture<String> get = async.get("k");
            assertThat(kill.get(5, TimeUnit.SECONDS)).isEqualTo(1L);
            long killed = System.nanoTime();
            await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(5))
                    .until(() -> !primary.command("CLIENT", "LIST").contains("id=" + id + " "));

            assertThat(sync.multi()).isEqualTo("OK");
            RedisFuture<String> set = async.set("t", "1");
            // The retry's backoff is at most 5 s: by then it ran, inside the transaction if it is let in.
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> get.isDone() || System.nanoTime() - killed > TimeUnit.MILLISECONDS.toNanos(5500));
            TransactionResult result = sync.exec();

            assertThat(get.get(5, TimeUnit.SECONDS)).isEqualTo("v");
            assertThat(set.get(5, TimeUnit.SECONDS)).isEqualTo("OK");
            assertThat(result.size()).isEqualTo(1);
            assertThat((Object) result.get(0)).isEqualTo("OK");
        }
    }

    /**
     * On a plain Lettuce connection (default options) a command queued after MULTI waits for EXEC as
     * long as the application takes; here each queued command carries the database's command timeout
     * until EXEC answers, so a transaction open longer than that is aborted although every server
     * answered at once. The command timeout must bound the QUEUED reply only (which still detects a
     * frozen server before EXEC), not the whole wait for EXEC.
     */
    @Test
    void aTransactionOpenLongerThanTheCommandTimeoutStillRuns() {
        client = MultiDbClient.create(Fixtures.twoDatabases(primary.uri(), secondary.uri())
                .commandTimeout(Duration.ofMillis(500)).build());
        try (StatefulRedisConnection<String, String> connection = client.connect()) {
            RedisCommands<String, String> sync = connection.sync();
            assertThat(sync.multi()).isEqualTo("OK");
            sync.set("slow", "1");
            // The application's own work between two commands of its transaction (not a synchronisation).
            await().pollDelay(Duration.ofMillis(1200)).atMost(Duration.ofSeconds(3)).until(() -> true);
            sync.set("slow", "2");
            TransactionResult result = sync.exec();
            assertThat(result.wasDiscarded()).isFalse();
            assertThat(primary.command("GET", "slow")).isEqualTo("2");
        }
    }

    /**
     * A refused SELECT as the first command, while a transaction waits behind it for the connection
     * to open: the SELECT fails with the server's error, and MULTI and what follows run on the
     * connection that opens then, which EXEC ends (nothing stays in MULTI for later commands).
     */
    @Test
    void aRefusedFirstSelectFailsAloneAndATransactionBehindItRuns() throws Exception {
        client = MultiDbClient.create(Fixtures.twoDatabases(primary.uri(), secondary.uri()).build());
        try (StatefulRedisConnection<String, String> connection = client.connect()) {
            RedisAsyncCommands<String, String> async = connection.async();
            RedisFuture<String> select = async.select(10_000);
            RedisFuture<String> multi = async.multi();
            RedisFuture<String> set = async.set("after", "1");
            RedisFuture<TransactionResult> exec = async.exec();
            assertThat(multi.get(5, TimeUnit.SECONDS)).isEqualTo("OK");
            assertThat(exec.get(5, TimeUnit.SECONDS).wasDiscarded()).isFalse();
            assertThat(set.get(5, TimeUnit.SECONDS)).isEqualTo("OK");
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> select.get(5, TimeUnit.SECONDS))
                    .hasCauseInstanceOf(io.lettuce.core.RedisCommandExecutionException.class)
                    .hasMessageContaining("DB index is out of range");
            assertThat(connection.sync().set("plain", "2")).isEqualTo("OK"); // not queued in a MULTI left open
            assertThat(primary.command("GET", "after")).isEqualTo("1");
            assertThat(primary.command("GET", "plain")).isEqualTo("2");
        }
    }
}
