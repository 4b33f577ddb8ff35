package dev.multidb.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.lettuce.core.KeyValue;

import dev.multidb.ActiveDatabaseChangedEvent;
import dev.multidb.MultiDbClusterClient;
import dev.multidb.MultiDbEvent;
import dev.multidb.OutcomeUnknownException;
import dev.multidb.SwitchReason;
import dev.multidb.testkit.RedisCluster;
import dev.multidb.testkit.RedisServer;

/** Two Redis Clusters as the two member databases of one client. */
class ClusterIT {

    private RedisCluster east;
    private RedisCluster west;
    private MultiDbClusterClient<String, String> client;
    private final List<MultiDbEvent> events = new CopyOnWriteArrayList<>();

    @AfterEach
    void stop() {
        if (client != null) {
            client.close();
        }
        if (east != null) {
            east.close();
        }
        if (west != null) {
            west.close();
        }
    }

    private void start(int eastReplicas) {
        east = RedisCluster.start(3, eastReplicas);
        west = RedisCluster.start(3);
        client = MultiDbClusterClient.create(Fixtures.twoDatabases(east.uri(), west.uri())
                .listener(MultiDbEvent.class, events::add).build());
    }

    private String active() {
        return client.activeDatabase() == null ? null : client.activeDatabase().name();
    }

    /** Found by the chaos soak: the cluster health check's node timer ran on a JDK-wide thread that outlived the client. */
    @Test
    void closeLeavesNoThreadBehind() {
        start(0); // create() has health-checked both clusters
        client.sync().set("k", "v");

        client.close();

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(Fixtures.clientThreads()).isEmpty());
    }

    @Test
    void everyKeyGoesToItsNodeInTheActiveClusterThroughEveryApi() throws Exception {
        start(0);
        Map<String, String> values = new HashMap<>();
        for (int i = 0; i < 30; i++) {
            values.put("key:" + i, "v" + i);
        }
        client.sync().mset(values); // keys of many slots: split per slot by Lettuce's advanced API
        for (Map.Entry<String, String> e : values.entrySet()) {
            assertThat(east.masterForKey(e.getKey()).command("GET", e.getKey())).isEqualTo(e.getValue());
        }
        assertThat(client.sync().mget(values.keySet().toArray(String[]::new))).extracting(KeyValue::getValue)
                .containsExactlyInAnyOrderElementsOf(values.values());
        assertThat(client.async().get("key:7").get(5, TimeUnit.SECONDS)).isEqualTo("v7");
        assertThat(client.reactive().get("key:8").block()).isEqualTo("v8");
        assertThat(client.sync().dbsize()).isEqualTo(30L); // a node-addressed operation, over the active cluster
        assertThat(west.masterForKey("key:7").command("EXISTS", "key:7")).isEqualTo("0");
        assertThat(client.pipeline(p -> {
            p.set("a", "1");
            p.set("b", "2");
            p.get("a");
        })).containsExactly("OK", "OK", "1");

        // connect(): a connection of the application's own, per call, with manual flushing as in Lettuce
        io.lettuce.core.cluster.api.StatefulRedisClusterConnection<String, String> own = client.connect();
        io.lettuce.core.cluster.api.StatefulRedisClusterConnection<String, String> other = client.connect();
        assertThat(own).isNotSameAs(other);
        own.setAutoFlushCommands(false);
        io.lettuce.core.RedisFuture<String> buffered = own.async().set("flushed:1", "x");
        assertThat(buffered.isDone()).isFalse();
        assertThat(east.masterForKey("flushed:1").command("EXISTS", "flushed:1")).isEqualTo("0");
        own.flushCommands();
        assertThat(buffered.get(5, TimeUnit.SECONDS)).isEqualTo("OK");
        assertThat(east.masterForKey("flushed:1").command("GET", "flushed:1")).isEqualTo("x");
        own.close();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> own.sync().get("key:7"))
                .isInstanceOf(io.lettuce.core.RedisException.class);
        assertThat(other.sync().get("key:7")).isEqualTo("v7");
        assertThat(client.sync().get("key:7")).isEqualTo("v7");
    }

    @Test
    void transactionsBlockingCommandsAndPubSubWorkOnAClusterMember() throws Exception {
        start(0);
        io.lettuce.core.TransactionResult result = client.transaction(tx -> {
            long balance = Long.parseLong(java.util.Objects.requireNonNullElse(tx.get("{acct}:balance"), "0"));
            tx.multi();
            tx.set("{acct}:balance", String.valueOf(balance + 100));
            tx.incr("{acct}:updates");
        }, "{acct}:balance");
        assertThat(result.wasDiscarded()).isFalse();
        assertThat(east.masterForKey("{acct}:balance").command("GET", "{acct}:balance")).isEqualTo("100");

        var popped = client.async().blpop(5, "queue");
        await().atMost(Duration.ofSeconds(5)).until(() -> east.masterForKey("queue").command("CLIENT", "LIST").contains("cmd=blpop"));
        client.sync().set("other", "traffic flows meanwhile");
        client.sync().rpush("queue", "job");
        assertThat(popped.get(5, TimeUnit.SECONDS).getValue()).isEqualTo("job");

        try (dev.multidb.MultiDbPubSub<String, String> pubsub = client.pubsub()) {
            pubsub.subscribe("news");
            client.sync().publish("news", "hello");
            assertThat(pubsub.getMessage(Duration.ofSeconds(5)).message()).isEqualTo("hello");
            if (RedisServer.supportsRedis7()) { // sharded Pub/Sub: the node that owns the channel's slot
                pubsub.ssubscribe("orders");
                client.sync().spublish("orders", "o-1");
                dev.multidb.PubSubMessage<String, String> shard = pubsub.getMessage(Duration.ofSeconds(5));
                assertThat(shard.message()).isEqualTo("o-1");
                assertThat(shard.shard()).isTrue();
            }
        }
    }

    @Test
    void aWholeClusterDownMovesTrafficToTheOtherAndBack() {
        start(0);
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicLong writes = new AtomicLong();
        List<Throwable> errors = new CopyOnWriteArrayList<>();
        Thread writer = new Thread(() -> {
            while (running.get()) {
                try {
                    client.sync().set("k:" + (writes.get() % 100), "v");
                    writes.incrementAndGet();
                } catch (RuntimeException e) {
                    errors.add(e);
                }
            }
        });
        writer.start();
        try {
            await().atMost(Duration.ofSeconds(10)).until(() -> writes.get() > 100);
            east.kill();
            await().atMost(Duration.ofSeconds(10)).until(() -> "secondary".equals(active()));
            long atSwitch = writes.get();
            await().atMost(Duration.ofSeconds(10)).until(() -> writes.get() > atSwitch + 100);
            east.restart();
            await().atMost(Duration.ofSeconds(20)).until(() -> "primary".equals(active()));
            long atFallback = writes.get();
            await().atMost(Duration.ofSeconds(10)).until(() -> writes.get() > atFallback + 100);
        } finally {
            running.set(false);
        }
        // A cluster member replaces its whole connection when one node's fails, which cuts what runs on
        // the other nodes: the write in flight then may be reported unknown (never re-sent, so never
        // applied twice or late). Nothing else fails.
        assertThat(errors).hasSizeLessThanOrEqualTo(2).allMatch(e -> e instanceof OutcomeUnknownException);
    }

    @Test
    void aMasterWithoutReplicaLostLeavesSlotsUnservedAndTheClusterIsLeft() {
        start(0);
        client.sync().set("k", "v");
        east.masters().get(1).kill();
        await().atMost(Duration.ofSeconds(10)).until(() -> "secondary".equals(active()));
        client.sync().set("k", "w");
        assertThat(west.masterForKey("k").command("GET", "k")).isEqualTo("w");
    }

    @Test
    void aMasterFailingOverInsideTheClusterIsNotTheDatabaseFailing() {
        start(1);
        String key = "user:{42}";
        RedisServer owner = east.masterForKey(key);
        client.sync().set(key, "before");
        owner.kill();
        // The cluster promotes the replica; the client stays on it and the key is served again.
        await().atMost(Duration.ofSeconds(20)).ignoreExceptions().until(() -> {
            client.sync().set(key, "after");
            return true;
        });
        await().atMost(Duration.ofSeconds(20)).ignoreExceptions()
                .until(() -> east.masterForKey(key).port() != owner.port() && "after".equals(east.masterForKey(key).command("GET", key)));
        assertThat(active()).isEqualTo("primary");
        assertThat(events).noneMatch(e -> e instanceof ActiveDatabaseChangedEvent c && c.reason() == SwitchReason.FAILOVER);
    }
}
