package dev.multidb.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.lettuce.core.KeyValue;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisException;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.RedisURI;
import io.lettuce.core.TrackingArgs;
import io.lettuce.core.TransactionResult;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.api.push.PushMessage;
import io.lettuce.core.api.reactive.RedisReactiveCommands;
import io.lettuce.core.api.sync.RedisCommands;

import dev.multidb.MultiDbClient;
import dev.multidb.OutcomeUnknownException;
import dev.multidb.TransactionAbortedException;
import dev.multidb.testkit.RedisServer;

/**
 * {@code connect()} behaves as a plain Lettuce connection: Lettuce's documented connection
 * semantics (transactions, SELECT, CLIENT SETNAME, manual flushing, blocking commands, push
 * messages), checked against real servers, and carried across a switch.
 */
class ConnectSemanticsIT {

    private final RedisServer primary = RedisServer.start();
    private final RedisServer secondary = RedisServer.start();
    private final MultiDbClient<String, String> client = MultiDbClient.create(
            Fixtures.twoDatabases(primary.uri(), secondary.uri()).build());
    private final List<RedisClient> plainClients = new CopyOnWriteArrayList<>();

    @AfterEach
    void stop() {
        client.close();
        plainClients.forEach(RedisClient::shutdown);
        primary.close();
        secondary.close();
    }

    /** A key's value in database index {@code db} of {@code server}, read over a plain Lettuce connection. */
    private String valueIn(RedisServer server, int db, String key) {
        return inIndex(server, db, redis -> redis.get(key));
    }

    /** What {@code read} finds in database index {@code db} of {@code server}, over a plain Lettuce connection. */
    private <T> T inIndex(RedisServer server, int db, java.util.function.Function<RedisCommands<String, String>, T> read) {
        RedisClient plain = RedisClient.create(RedisURI.builder().withHost(server.host()).withPort(server.port())
                .withDatabase(db).build());
        plainClients.add(plain);
        try (StatefulRedisConnection<String, String> connection = plain.connect()) {
            return read.apply(connection.sync());
        }
    }

    @Test
    void everyCallIsANewConnectionAndClosingOneClosesOnlyIt() {
        StatefulRedisConnection<String, String> first = client.connect();
        StatefulRedisConnection<String, String> second = client.connect();
        assertThat(first).isNotSameAs(second);
        first.sync().set("k", "v");
        long firstId = first.sync().clientId();
        assertThat(second.sync().clientId()).isNotEqualTo(firstId); // two physical connections, as two Lettuce ones

        first.close();
        assertThat(first.isOpen()).isFalse();
        assertThatThrownBy(() -> first.sync().get("k")).isInstanceOf(RedisException.class);
        assertThat(second.sync().get("k")).isEqualTo("v");
        assertThat(client.sync().get("k")).isEqualTo("v");
        await().atMost(Duration.ofSeconds(5)).until(() -> !primary.command("CLIENT", "LIST").contains("id=" + firstId + " "));
        second.close();
    }

    @Test
    void commandsSentWhileItsConnectionOpensKeepTheirOrder() throws Exception {
        try (StatefulRedisConnection<String, String> connection = client.connect()) {
            connection.sync().select(3); // the state to restore makes the opening longer
            primary.kill();
            await().atMost(Duration.ofSeconds(10)).until(() -> client.activeDatabase().name().equals("secondary"));
            RedisAsyncCommands<String, String> async = connection.async();
            List<RedisFuture<Long>> pushes = new java.util.ArrayList<>();
            for (int i = 0; i < 500; i++) { // the first ones wait for the connection to secondary to open
                pushes.add(async.rpush("ordered", String.valueOf(i)));
            }
            for (RedisFuture<Long> push : pushes) {
                push.get(10, TimeUnit.SECONDS);
            }
            List<String> stored = connection.sync().lrange("ordered", 0, -1);
            assertThat(stored).hasSize(500);
            for (int i = 0; i < 500; i++) {
                assertThat(stored.get(i)).isEqualTo(String.valueOf(i));
            }
            Long stored3 = inIndex(secondary, 3, redis -> redis.llen("ordered"));
            assertThat(stored3).isEqualTo(500L);
        }
    }

    @Test
    void closingTheClientClosesItsConnections() {
        StatefulRedisConnection<String, String> connection = client.connect();
        long id = connection.sync().clientId();
        client.close();
        await().atMost(Duration.ofSeconds(5)).until(() -> !primary.command("CLIENT", "LIST").contains("id=" + id + " "));
    }

    @Test
    void everyCommandFamilyWorksSyncAsyncAndReactive() throws Exception {
        try (StatefulRedisConnection<String, String> connection = client.connect()) {
            RedisCommands<String, String> sync = connection.sync();
            assertThat(sync.set("s", "1")).isEqualTo("OK");
            assertThat(sync.incrby("s", 4)).isEqualTo(5L);
            assertThat(sync.hset("h", "f", "v")).isTrue();
            assertThat(sync.hgetall("h")).containsEntry("f", "v");
            assertThat(sync.rpush("l", "a", "b", "c")).isEqualTo(3L);
            assertThat(sync.lrange("l", 0, -1)).containsExactly("a", "b", "c");
            assertThat(sync.sadd("set", "x", "y")).isEqualTo(2L);
            assertThat(sync.smembers("set")).containsExactlyInAnyOrder("x", "y");
            assertThat(sync.zadd("z", 2.0, "two", 1.0, "one")).isEqualTo(2L);
            assertThat(sync.zrange("z", 0, -1)).containsExactly("one", "two");
            assertThat(sync.xadd("stream", "field", "value")).isNotBlank();
            assertThat(sync.xlen("stream")).isEqualTo(1L);
            assertThat(sync.pfadd("hll", "a", "b")).isEqualTo(1L);
            assertThat(sync.setbit("bits", 7, 1)).isZero();
            assertThat(sync.bitcount("bits")).isEqualTo(1L);
            assertThat(sync.geoadd("geo", 13.361389, 38.115556, "Palermo")).isEqualTo(1L);
            assertThat(sync.<Long>eval("return redis.call('incr', KEYS[1])", io.lettuce.core.ScriptOutputType.INTEGER, "s"))
                    .isEqualTo(6L);
            assertThat(sync.expire("s", 100)).isTrue();
            assertThat(sync.ttl("s")).isBetween(1L, 100L);
            assertThat(sync.dbsize()).isGreaterThanOrEqualTo(9L);
            assertThat(sync.info("server")).contains("redis_version");

            RedisAsyncCommands<String, String> async = connection.async();
            RedisFuture<String> set = async.set("a", "1");
            RedisFuture<Long> incr = async.incr("a");
            assertThat(set.get(5, TimeUnit.SECONDS)).isEqualTo("OK");
            assertThat(incr.get(5, TimeUnit.SECONDS)).isEqualTo(2L);

            RedisReactiveCommands<String, String> reactive = connection.reactive();
            assertThat(reactive.set("r", "x").block(Duration.ofSeconds(5))).isEqualTo("OK");
            assertThat(reactive.lrange("l", 0, -1).collectList().block(Duration.ofSeconds(5))).containsExactly("a", "b", "c");
        }
    }

    @Test
    void transactionsQueueAndExecAsOnAPlainConnection() throws Exception {
        try (StatefulRedisConnection<String, String> connection = client.connect()) {
            RedisCommands<String, String> sync = connection.sync();
            assertThat(sync.multi()).isEqualTo("OK");
            assertThat(connection.isMulti()).isTrue();
            assertThat(sync.set("t", "1")).isNull(); // queued: the reply comes with EXEC
            assertThat(sync.incr("t")).isNull();
            TransactionResult result = sync.exec();
            assertThat(result.wasDiscarded()).isFalse();
            assertThat(result.<String>get(0)).isEqualTo("OK");
            assertThat(result.<Long>get(1)).isEqualTo(2L);
            assertThat(connection.isMulti()).isFalse();

            RedisAsyncCommands<String, String> async = connection.async();
            async.multi();
            RedisFuture<String> queuedSet = async.set("u", "a");
            RedisFuture<Long> queuedAppend = async.append("u", "b");
            RedisFuture<TransactionResult> exec = async.exec();
            assertThat(exec.get(5, TimeUnit.SECONDS).size()).isEqualTo(2);
            assertThat(queuedSet.get(5, TimeUnit.SECONDS)).isEqualTo("OK");
            assertThat(queuedAppend.get(5, TimeUnit.SECONDS)).isEqualTo(2L);

            RedisReactiveCommands<String, String> reactive = connection.reactive();
            TransactionResult reactiveResult = reactive.multi().flatMap(ok -> {
                reactive.set("v", "1").subscribe();
                reactive.incr("v").subscribe();
                return reactive.exec();
            }).block(Duration.ofSeconds(5));
            assertThat(reactiveResult.<Long>get(1)).isEqualTo(2L);
            assertThat(primary.command("GET", "v")).isEqualTo("2");
        }
    }

    @Test
    void discardErrorsInsideMultiNestedMultiAndExecWithoutMulti() {
        try (StatefulRedisConnection<String, String> connection = client.connect()) {
            RedisCommands<String, String> sync = connection.sync();
            sync.multi();
            sync.set("d", "1");
            assertThat(sync.discard()).isEqualTo("OK");
            assertThat(primary.command("EXISTS", "d")).isEqualTo("0");

            sync.set("text", "abc");
            sync.multi();
            sync.incr("text"); // fails when run: the transaction goes on
            sync.set("after", "1");
            TransactionResult result = sync.exec();
            assertThat((Object) result.get(0)).isInstanceOf(RedisCommandExecutionException.class);
            assertThat(result.<String>get(1)).isEqualTo("OK");

            sync.multi();
            assertThatThrownBy(sync::multi).hasMessageContaining("MULTI calls can not be nested");
            sync.discard();

            assertThatThrownBy(sync::exec).hasMessageContaining("EXEC without MULTI");
            assertThat(sync.ping()).isEqualTo("PONG");
        }
    }

    @Test
    void aWatchedKeyChangedByAnotherConnectionDiscardsTheTransaction() {
        try (StatefulRedisConnection<String, String> connection = client.connect();
                StatefulRedisConnection<String, String> other = client.connect()) {
            RedisCommands<String, String> sync = connection.sync();
            sync.set("w", "0");
            assertThat(sync.watch("w")).isEqualTo("OK");
            other.sync().set("w", "changed");
            sync.multi();
            sync.set("w", "mine");
            assertThat(sync.exec().wasDiscarded()).isTrue();
            assertThat(sync.get("w")).isEqualTo("changed");

            sync.watch("w");
            assertThat(sync.unwatch()).isEqualTo("OK");
            other.sync().set("w", "again");
            sync.multi();
            sync.set("w", "mine");
            assertThat(sync.exec().wasDiscarded()).isFalse();
        }
    }

    @Test
    void selectAppliesToThisConnectionOnlyAndFollowsItToTheNextDatabase() {
        try (StatefulRedisConnection<String, String> connection = client.connect()) {
            RedisCommands<String, String> sync = connection.sync();
            assertThat(sync.select(2)).isEqualTo("OK");
            sync.set("indexed", "east");
            assertThat(valueIn(primary, 2, "indexed")).isEqualTo("east");
            assertThat(valueIn(primary, 0, "indexed")).isNull();
            assertThat(client.sync().get("indexed")).isNull(); // the shared connection keeps its own index

            assertThat(sync.move("indexed", 3)).isTrue();
            assertThat(valueIn(primary, 3, "indexed")).isEqualTo("east");

            primary.kill();
            await().atMost(Duration.ofSeconds(10)).until(() -> client.activeDatabase().name().equals("secondary"));
            sync.set("indexed", "west");
            assertThat(valueIn(secondary, 2, "indexed")).isEqualTo("west");
            assertThat(valueIn(secondary, 0, "indexed")).isNull();
            assertThat(sync.get("indexed")).isEqualTo("west");
        }
    }

    @Test
    void aDatabaseThatRefusesTheStateRunsNothingInTheWrongPlace() {
        try (RedisServer small = RedisServer.start("--databases", "4");
                MultiDbClient<String, String> twoSizes = MultiDbClient.create(
                        Fixtures.twoDatabases(primary.uri(), small.uri()).build());
                StatefulRedisConnection<String, String> connection = twoSizes.connect()) {
            RedisCommands<String, String> sync = connection.sync();
            sync.select(8); // the primary has 16 indexes, the other database only 4
            sync.set("k", "primary");
            primary.kill();
            await().atMost(Duration.ofSeconds(10)).until(() -> twoSizes.activeDatabase().name().equals("secondary"));
            assertThatThrownBy(() -> sync.set("k", "nowhere")).hasMessageContaining("could not restore the connection state")
                    .hasMessageContaining("secondary").hasMessageContaining("SELECT");
            assertThat(small.command("DBSIZE")).isEqualTo("0");
        }
    }

    @Test
    void anAclUserSetWithAuthFollowsTheConnectionAcrossAFailover() {
        for (RedisServer server : List.of(primary, secondary)) {
            server.command("ACL", "SETUSER", "app", "on", ">app-secret", "~*", "+@all");
        }
        try (StatefulRedisConnection<String, String> connection = client.connect()) {
            RedisCommands<String, String> sync = connection.sync();
            assertThat(sync.auth("app", "app-secret")).isEqualTo("OK");
            assertThat(sync.aclWhoami()).isEqualTo("app");
            assertThatThrownBy(() -> sync.auth("app", "wrong")).isInstanceOf(RedisException.class);
            assertThat(sync.aclWhoami()).isEqualTo("app"); // a refused AUTH changes nothing, as on the server

            primary.kill();
            await().atMost(Duration.ofSeconds(10)).until(() -> client.activeDatabase().name().equals("secondary"));
            assertThat(sync.aclWhoami()).isEqualTo("app");
        }
    }

    @Test
    void aRefusedSelectChangesNothing() {
        try (StatefulRedisConnection<String, String> connection = client.connect()) {
            RedisCommands<String, String> sync = connection.sync();
            sync.select(1);
            assertThatThrownBy(() -> sync.select(9999)).isInstanceOf(RedisCommandExecutionException.class);
            sync.set("still", "one");
            assertThat(valueIn(primary, 1, "still")).isEqualTo("one");
        }
    }

    @Test
    void clientNameFollowsTheConnectionAcrossAFailover() {
        try (StatefulRedisConnection<String, String> connection = client.connect()) {
            RedisCommands<String, String> sync = connection.sync();
            assertThat(sync.clientSetname("orders-worker")).isEqualTo("OK");
            assertThat(sync.clientGetname()).isEqualTo("orders-worker");
            assertThat(sync.clientInfo()).contains("name=orders-worker");

            primary.kill();
            await().atMost(Duration.ofSeconds(10)).until(() -> client.activeDatabase().name().equals("secondary"));
            assertThat(sync.clientGetname()).isEqualTo("orders-worker");
            assertThat(secondary.command("CLIENT", "LIST")).contains("name=orders-worker");
        }
    }

    @Test
    void manualFlushingSendsNothingUntilFlushThenEverythingInOrder() throws Exception {
        try (StatefulRedisConnection<String, String> connection = client.connect()) {
            connection.sync().ping(); // the physical connection is open: only flushing is in question
            connection.setAutoFlushCommands(false);
            RedisAsyncCommands<String, String> async = connection.async();
            List<RedisFuture<?>> futures = new java.util.ArrayList<>();
            for (int i = 0; i < 50; i++) {
                futures.add(async.rpush("flushed", String.valueOf(i)));
            }
            assertThat(futures).noneMatch(java.util.concurrent.Future::isDone);
            assertThat(primary.command("EXISTS", "flushed")).isEqualTo("0");

            connection.flushCommands();
            for (RedisFuture<?> future : futures) {
                future.get(5, TimeUnit.SECONDS);
            }
            assertThat(primary.command("LLEN", "flushed")).isEqualTo("50");
            assertThat(primary.command("LINDEX", "flushed", "49")).isEqualTo("49");

            connection.setAutoFlushCommands(true);
            assertThat(connection.sync().llen("flushed")).isEqualTo(50L);
        }
    }

    @Test
    void aTransactionCanBeSentWithManualFlushing() throws Exception {
        try (StatefulRedisConnection<String, String> connection = client.connect()) {
            connection.setAutoFlushCommands(false);
            RedisAsyncCommands<String, String> async = connection.async();
            async.multi();
            RedisFuture<String> set = async.set("mf", "1");
            RedisFuture<TransactionResult> exec = async.exec();
            connection.flushCommands();
            assertThat(exec.get(5, TimeUnit.SECONDS).wasDiscarded()).isFalse();
            assertThat(set.get(5, TimeUnit.SECONDS)).isEqualTo("OK");
        }
    }

    @Test
    void blockingCommandsWaitOnTheConnectionInItsDatabase() throws Exception {
        try (StatefulRedisConnection<String, String> connection = client.connect()) {
            connection.sync().select(1);
            RedisFuture<KeyValue<String, String>> popped = connection.async().blpop(10, "queue");
            await().atMost(Duration.ofSeconds(5)).until(() -> primary.command("CLIENT", "LIST").contains("cmd=blpop"));
            RedisClient plain = RedisClient.create(RedisURI.builder().withHost(primary.host()).withPort(primary.port())
                    .withDatabase(1).build());
            plainClients.add(plain);
            try (StatefulRedisConnection<String, String> pusher = plain.connect()) {
                pusher.sync().rpush("queue", "job");
            }
            assertThat(popped.get(5, TimeUnit.SECONDS).getValue()).isEqualTo("job");
        }
    }

    @Test
    void commandsThatCannotFollowASwitchAreRefusedWithTheAlternative() {
        try (StatefulRedisConnection<String, String> connection = client.connect()) {
            assertThatThrownBy(() -> connection.sync().clientPause(100)).hasMessageContaining("CLIENT PAUSE");
            assertThat(connection.sync().clientId()).isPositive();
            assertThat(connection.sync().clientList()).contains("id=");
        }
    }

    @Test
    void clientSideCachingInvalidationsReachThePushListeners() {
        try (StatefulRedisConnection<String, String> connection = client.connect()) {
            List<PushMessage> pushed = new CopyOnWriteArrayList<>();
            connection.addListener(pushed::add);
            connection.sync().set("cached", "1");
            assertThat(connection.sync().clientTracking(TrackingArgs.Builder.enabled())).isEqualTo("OK");
            connection.sync().get("cached");
            primary.command("SET", "cached", "2");
            await().atMost(Duration.ofSeconds(5)).until(() -> pushed.stream().anyMatch(m -> m.getType().equals("invalidate")));
        }
    }

    @Test
    void aSwitchDuringATransactionAbortsItWithNothingAppliedAndTheNextCommandGoesToTheNewDatabase() {
        try (StatefulRedisConnection<String, String> connection = client.connect()) {
            RedisCommands<String, String> sync = connection.sync();
            sync.multi();
            sync.set("tx", "1");
            client.setActiveDatabase(client.databases().get(1));
            assertThatThrownBy(sync::exec).isInstanceOf(TransactionAbortedException.class)
                    .hasMessageContaining("active database changed");
            assertThat(connection.isMulti()).isFalse();
            assertThat(primary.command("EXISTS", "tx")).isEqualTo("0");
            assertThat(secondary.command("EXISTS", "tx")).isEqualTo("0");

            sync.set("after", "x");
            assertThat(secondary.command("GET", "after")).isEqualTo("x");
            sync.multi(); // a new transaction, on the new database
            sync.set("tx", "2");
            assertThat(sync.exec().wasDiscarded()).isFalse();
            assertThat(secondary.command("GET", "tx")).isEqualTo("2");
        }
    }

    @Test
    void aKilledDatabaseDuringATransactionIsNeverAppliedTwiceAndTheCallerIsTold() {
        try (StatefulRedisConnection<String, String> connection = client.connect()) {
            RedisCommands<String, String> sync = connection.sync();
            sync.multi();
            sync.incr("counter");
            primary.kill();
            assertThatThrownBy(sync::exec).isInstanceOfAny(TransactionAbortedException.class, OutcomeUnknownException.class);
            await().atMost(Duration.ofSeconds(10)).until(() -> client.activeDatabase().name().equals("secondary"));
            assertThat(sync.incr("counter")).isEqualTo(1L); // the aborted INCR never reached the new database
            assertThat(secondary.command("GET", "counter")).isEqualTo("1");
        }
    }

    @Test
    void aFrozenDatabaseBeforeExecAppliesNothingLate() {
        try (StatefulRedisConnection<String, String> connection = client.connect()) {
            RedisAsyncCommands<String, String> async = connection.async();
            assertThat(connection.sync().multi()).isEqualTo("OK");
            primary.freeze();
            try {
                RedisFuture<Long> queued = async.incr("frozen");
                assertThatThrownBy(() -> queued.get(10, TimeUnit.SECONDS)).hasCauseInstanceOf(RedisException.class);
                assertThatThrownBy(() -> connection.sync().exec()).isInstanceOf(TransactionAbortedException.class)
                        .hasMessageContaining("nothing of it was applied");
            } finally {
                primary.thaw();
            }
            // The server reads what was queued, then the close: EXEC never came, so nothing ran.
            await().atMost(Duration.ofSeconds(5)).until(() -> "PONG".equals(primary.ping()));
            await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2))
                    .until(() -> "0".equals(primary.command("EXISTS", "frozen")));
        }
    }

    @Test
    void aFrozenDatabaseDuringExecLeavesTheOutcomeUnknownAndAppliesItAtMostOnce() {
        try (StatefulRedisConnection<String, String> connection = client.connect()) {
            RedisCommands<String, String> sync = connection.sync();
            sync.multi();
            sync.incr("once");
            primary.freeze();
            try {
                assertThatThrownBy(sync::exec).isInstanceOf(OutcomeUnknownException.class)
                        .hasMessageContaining("EXEC").hasMessageContaining("primary");
            } finally {
                primary.thaw();
            }
            await().atMost(Duration.ofSeconds(5)).until(() -> "PONG".equals(primary.ping()));
            await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2))
                    .until(() -> List.of("1").contains(primary.command("GET", "once")));
            assertThat(secondary.command("EXISTS", "once")).isEqualTo("0");
        }
    }
}
