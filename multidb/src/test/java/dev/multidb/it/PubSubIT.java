package dev.multidb.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.pubsub.RedisPubSubAdapter;

import dev.multidb.Database;
import dev.multidb.MultiDbClient;
import dev.multidb.MultiDbPubSub;
import dev.multidb.PubSubMessage;
import dev.multidb.testkit.RedisServer;

/**
 * Pub/Sub through multidb clients on real servers: messages of every kind, the subscriptions
 * following a failover without any re-subscription by the application, a connection reset, and
 * close/unsubscribe.
 */
class PubSubIT {

    private static final Duration WAIT = Duration.ofSeconds(10);

    private final RedisServer primary = RedisServer.start();
    private final RedisServer secondary = RedisServer.start();
    private final List<AutoCloseable> closeables = new CopyOnWriteArrayList<>();

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : closeables) {
            c.close();
        }
        primary.close();
        secondary.close();
    }

    private MultiDbClient<String, String> client() {
        MultiDbClient<String, String> client = MultiDbClient.create(Fixtures.twoDatabases(primary.uri(), secondary.uri())
                .autoFallbackInterval(Duration.ZERO)
                // A cold JVM on a busy machine can miss the default 1 s connect / 500 ms probe at start:
                // a kill is still noticed at once (connections are refused).
                .connectTimeout(Duration.ofSeconds(5))
                .healthCheckTimeout(Duration.ofSeconds(2))
                .build());
        closeables.add(0, client);
        return client;
    }

    private MultiDbPubSub<String, String> pubsub(MultiDbClient<String, String> client) {
        MultiDbPubSub<String, String> ps = client.pubsub();
        closeables.add(0, ps);
        return ps;
    }

    private static String activeName(MultiDbClient<?, ?> client) {
        Database active = client.activeDatabase();
        return active == null ? null : active.name();
    }

    /** Records everything a listener is told, as text. */
    static final class Recording extends RedisPubSubAdapter<String, String> {
        final List<String> events = new CopyOnWriteArrayList<>();

        @Override
        public void message(String channel, String message) {
            events.add("message " + channel + " " + message);
        }

        @Override
        public void message(String pattern, String channel, String message) {
            events.add("pmessage " + pattern + " " + channel + " " + message);
        }

        @Override
        public void smessage(String shardChannel, String message) {
            events.add("smessage " + shardChannel + " " + message);
        }

        @Override
        public void subscribed(String channel, long count) {
            events.add("subscribed " + channel);
        }

        @Override
        public void psubscribed(String pattern, long count) {
            events.add("psubscribed " + pattern);
        }

        @Override
        public void ssubscribed(String shardChannel, long count) {
            events.add("ssubscribed " + shardChannel);
        }

        @Override
        public void unsubscribed(String channel, long count) {
            events.add("unsubscribed " + channel);
        }

        @Override
        public void punsubscribed(String pattern, long count) {
            events.add("punsubscribed " + pattern);
        }

        @Override
        public void sunsubscribed(String shardChannel, long count) {
            events.add("sunsubscribed " + shardChannel);
        }

        long count(String event) {
            return events.stream().filter(event::equals).count();
        }
    }

    @Test
    void channelPatternAndShardMessagesReachGetMessageAndListeners() {
        MultiDbClient<String, String> subscriber = client();
        MultiDbClient<String, String> publisher = client();
        MultiDbPubSub<String, String> ps = pubsub(subscriber);
        ps.addListener(new RedisPubSubAdapter<>() {
            @Override
            public void message(String channel, String message) {
                throw new IllegalStateException("a broken listener must not stop delivery");
            }
        });
        Recording recording = new Recording();
        ps.addListener(recording);

        ps.subscribe("news");
        ps.psubscribe("metrics.*");
        assertThat(ps.channels()).containsExactly("news");
        assertThat(ps.patterns()).containsExactly("metrics.*");
        assertThat(ps.shardChannels()).isEmpty();

        assertThat(publisher.sync().publish("news", "hello")).isEqualTo(1L);
        assertThat(ps.getMessage(WAIT)).isEqualTo(new PubSubMessage<>("news", null, "hello", false));
        assertThat(publisher.sync().publish("metrics.cpu", "42")).isEqualTo(1L);
        PubSubMessage<String, String> patternMessage = ps.getMessage(WAIT);
        assertThat(patternMessage).isEqualTo(new PubSubMessage<>("metrics.cpu", "metrics.*", "42", false));
        assertThat(patternMessage.isPatternMessage()).isTrue();
        assertThat(ps.getMessage(Duration.ofMillis(100))).as("confirmations are not data messages").isNull();
        await().atMost(WAIT).untilAsserted(() -> assertThat(recording.events).containsExactly("subscribed news",
                "psubscribed metrics.*", "message news hello", "pmessage metrics.* metrics.cpu 42"));

        Assumptions.assumeTrue(RedisServer.supportsRedis7(), "sharded Pub/Sub (SSUBSCRIBE/SPUBLISH) needs Redis 7; "
                + RedisServer.binary() + " is " + Arrays.toString(RedisServer.serverVersion()) + ": shard part skipped");
        ps.ssubscribe("orders{1}");
        assertThat(ps.shardChannels()).containsExactly("orders{1}");
        assertThat(publisher.sync().spublish("orders{1}", "o-1")).isEqualTo(1L);
        assertThat(ps.getMessage(WAIT)).isEqualTo(new PubSubMessage<>("orders{1}", null, "o-1", true));
        await().atMost(WAIT).untilAsserted(() -> assertThat(recording.events).contains("ssubscribed orders{1}",
                "smessage orders{1} o-1"));
    }

    /** Publishes "1", "2", ... to one channel in a loop, remembering PUBLISH's reply (or error) per number. */
    private final class Publisher implements AutoCloseable {
        final AtomicLong last = new AtomicLong();
        final Map<Long, Long> receivers = new ConcurrentHashMap<>();
        final Map<Long, String> errors = new ConcurrentHashMap<>();
        final AtomicBoolean running = new AtomicBoolean(true);
        final Thread thread;

        Publisher(MultiDbClient<String, String> client, String channel) {
            thread = new Thread(() -> {
                while (running.get()) {
                    long n = last.get() + 1;
                    try {
                        receivers.put(n, client.sync().publish(channel, Long.toString(n)));
                    } catch (RuntimeException e) {
                        errors.put(n, e.getClass().getSimpleName());
                    }
                    last.set(n);
                }
            }, "test-publisher");
            thread.start();
            closeables.add(0, this);
        }

        void awaitBeyond(long n) {
            await().atMost(WAIT).until(() -> last.get() > n);
        }

        @Override
        public void close() throws InterruptedException {
            running.set(false);
            thread.join(10_000);
        }
    }

    /** Takes messages with getMessage on its own thread and counts them per number. */
    private final class Consumer implements AutoCloseable {
        final Map<Long, AtomicInteger> counts = new ConcurrentHashMap<>();
        final AtomicBoolean running = new AtomicBoolean(true);
        final Thread thread;

        Consumer(MultiDbPubSub<String, String> ps) {
            thread = new Thread(() -> {
                while (running.get()) {
                    PubSubMessage<String, String> m = ps.getMessage(Duration.ofMillis(100));
                    if (m != null) {
                        counts.computeIfAbsent(Long.parseLong(m.message()), k -> new AtomicInteger()).incrementAndGet();
                    }
                }
            }, "test-consumer");
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
    void subscriptionsFollowAFailoverWithoutResubscribing() throws Exception {
        MultiDbClient<String, String> subscriber = client();
        MultiDbClient<String, String> publisherClient = client();
        MultiDbPubSub<String, String> ps = pubsub(subscriber);
        Recording recording = new Recording();
        ps.addListener(recording);
        Map<Long, AtomicInteger> heardByListener = new ConcurrentHashMap<>();
        ps.addListener(new RedisPubSubAdapter<>() {
            @Override
            public void message(String channel, String message) {
                heardByListener.computeIfAbsent(Long.parseLong(message), k -> new AtomicInteger()).incrementAndGet();
            }
        });
        ps.subscribe("numbers");
        Consumer consumer = new Consumer(ps);
        Publisher publisher = new Publisher(publisherClient, "numbers");
        await().atMost(WAIT).until(() -> consumer.counts.size() > 200);

        long lastBeforeKill = publisher.last.get();
        // Redis answers a PUBLISH before it writes the message to the subscribers (same event-loop
        // pass, the publisher's reply first), so a SIGKILL right after the publisher saw the reply
        // to #lastBeforeKill may keep that one message from ever leaving the server. Every earlier
        // one was written to our connection before Redis read the next PUBLISH: none may be lost.
        long sentToUsBeforeKill = lastBeforeKill - 1;
        primary.kill();
        await().atMost(WAIT).until(() -> "secondary".equals(activeName(subscriber)) && "secondary".equals(activeName(publisherClient)));
        long bothOnSecondary = publisher.last.get();
        // The marker: the first message published after both clients are on the secondary that the
        // subscriber receives. From then on it is subscribed there, so nothing later may be lost.
        await().atMost(WAIT).until(() -> consumer.counts.keySet().stream().anyMatch(n -> n > bothOnSecondary));
        long marker = consumer.counts.keySet().stream().filter(n -> n > bothOnSecondary).min(Long::compare).orElseThrow();
        publisher.awaitBeyond(marker + 1000);
        publisher.close();
        long last = publisher.last.get();

        List<Long> expected = new ArrayList<>();
        for (long n = marker; n <= last; n++) {
            if (!publisher.errors.containsKey(n)) {
                expected.add(n);
            }
        }
        await().atMost(WAIT).untilAsserted(() -> {
            assertThat(consumer.counts.keySet()).as("getMessage after the marker").containsAll(expected);
            assertThat(heardByListener.keySet()).as("listener after the marker").containsAll(expected);
        });
        consumer.close();

        // What the switch cost, measured (printed, not asserted: it depends on who noticed first).
        TreeSet<Long> lost = new TreeSet<>();
        TreeSet<Long> lostUnheard = new TreeSet<>(); // PUBLISH reached no subscriber: published where we were not subscribed
        TreeSet<Long> lostInFlight = new TreeSet<>(); // PUBLISH reached our connection, which died before delivering
        for (long n = 1; n <= last; n++) {
            Long reached = publisher.receivers.get(n);
            if (reached != null && !consumer.counts.containsKey(n)) {
                lost.add(n);
                (reached == 0 ? lostUnheard : lostInFlight).add(n);
            }
        }
        long duplicates = consumer.counts.values().stream().filter(c -> c.get() > 1).count();
        long listenerDuplicates = heardByListener.values().stream().filter(c -> c.get() > 1).count();
        List<Long> errorsInWindow = publisher.errors.keySet().stream().sorted().toList();
        String measured = String.format("published 1..%d; kill after #%d; both clients on secondary at #%d; marker #%d;"
                + " lost %d (PUBLISH reached 0 subscribers: %d %s; reached our connection but not delivered: %d %s),"
                + " duplicates %d (listener %d), PUBLISH errors %d %s, 'subscribed numbers' confirmations %d",
                last, lastBeforeKill, bothOnSecondary, marker, lost.size(), lostUnheard.size(), range(lostUnheard),
                lostInFlight.size(), range(lostInFlight), duplicates, listenerDuplicates, errorsInWindow.size(),
                errorsInWindow.size() > 10 ? errorsInWindow.subList(0, 10) + "..." : errorsInWindow,
                recording.count("subscribed numbers"));
        System.out.println("PubSubIT failover: " + measured);

        // Each failure message carries the measurement: the surefire output file of a failed run is often gone.
        assertThat(lost).as("nothing Redis sent to our connection before the kill is lost (%s)", measured)
                .allMatch(n -> n > sentToUsBeforeKill);
        assertThat(lost).as("nothing after the marker is lost (%s)", measured).allMatch(n -> n < marker);
        assertThat(publisher.errors.keySet()).as("the publisher is settled on the secondary after the marker (%s)", measured)
                .allMatch(n -> n < marker);
        assertThat(ps.channels()).containsExactly("numbers");
        assertThat(recording.count("subscribed numbers")).as("subscribed by the user, then re-subscribed by the switch (%s)", measured)
                .isEqualTo(2);
    }

    private static String range(TreeSet<Long> numbers) {
        return numbers.isEmpty() ? "" : "[#" + numbers.first() + "..#" + numbers.last() + "]";
    }

    @Test
    void aResetPubSubConnectionIsReestablishedOnTheSameDatabase() {
        MultiDbClient<String, String> subscriber = client();
        MultiDbClient<String, String> publisher = client();
        MultiDbPubSub<String, String> ps = pubsub(subscriber);
        ps.subscribe("events");
        ps.psubscribe("events.*");
        assertThat(publisher.sync().publish("events", "before")).isEqualTo(1L);
        assertThat(ps.getMessage(WAIT).message()).isEqualTo("before");

        primary.command("CLIENT", "KILL", "TYPE", "pubsub");

        await().atMost(WAIT).until(() -> publisher.sync().publish("events.x", "probe") == 1L);
        assertThat(publisher.sync().publish("events", "after")).isEqualTo(1L);
        await().atMost(WAIT).until(() -> {
            PubSubMessage<String, String> m = ps.getMessage(Duration.ofMillis(100));
            return m != null && m.message().equals("after");
        });
        assertThat(activeName(subscriber)).isEqualTo("primary");
        assertThat(ps.channels()).containsExactly("events");
        assertThat(ps.patterns()).containsExactly("events.*");
    }

    @Test
    void subscriptionsSurviveATimeWithoutAnyUsableDatabase() {
        MultiDbClient<String, String> subscriber = client();
        MultiDbPubSub<String, String> ps = pubsub(subscriber);
        ps.subscribe("alerts");
        ps.psubscribe("alerts.*");

        primary.kill();
        secondary.kill();
        await().atMost(WAIT).until(() -> subscriber.activeDatabase() == null);
        assertThat(ps.getMessage(Duration.ofMillis(100))).as("no exception while nothing is usable").isNull();
        secondary.restart();
        await().atMost(WAIT).until(() -> "secondary".equals(activeName(subscriber)));

        await().atMost(WAIT).until(() -> "1".equals(secondary.command("PUBLISH", "alerts.x", "probe")));
        assertThat(secondary.command("PUBLISH", "alerts", "back")).isEqualTo("1");
        assertThat(ps.getMessage(WAIT)).isEqualTo(new PubSubMessage<>("alerts.x", "alerts.*", "probe", false));
        assertThat(ps.getMessage(WAIT)).isEqualTo(new PubSubMessage<>("alerts", null, "back", false));
        assertThat(ps.channels()).containsExactly("alerts");
    }

    /**
     * A refused SUBSCRIBE changes nothing on the server, so the session must forget only the keys
     * that call added: a channel subscribed before stays subscribed, on the server and in
     * {@code channels()}.
     */
    @Test
    void aRefusedSubscribeForgetsOnlyWhatItAdded() {
        for (RedisServer server : List.of(primary, secondary)) {
            server.command("ACL", "SETUSER", "default", "resetchannels", "&ok-*");
        }
        MultiDbClient<String, String> subscriber = client();
        MultiDbClient<String, String> publisher = client();
        MultiDbPubSub<String, String> ps = pubsub(subscriber);
        ps.subscribe("ok-1");

        assertThatThrownBy(() -> ps.subscribe("ok-1", "forbidden")).isInstanceOf(RedisCommandExecutionException.class)
                .hasMessageContaining("NOPERM");

        assertThat(ps.channels()).as("subscribed before the refused call").containsExactly("ok-1");
        assertThat(publisher.sync().publish("ok-1", "still")).isEqualTo(1L);
        assertThat(ps.getMessage(WAIT)).isEqualTo(new PubSubMessage<>("ok-1", null, "still", false));
    }

    @Test
    void unsubscribeRemovesAndCloseStopsDelivery() throws Exception {
        MultiDbClient<String, String> subscriber = client();
        MultiDbClient<String, String> publisher = client();
        MultiDbPubSub<String, String> ps = pubsub(subscriber);
        Recording recording = new Recording();
        ps.addListener(recording);

        ps.subscribe("a", "b");
        ps.psubscribe("p.*");
        ps.unsubscribe("a");
        assertThat(ps.channels()).containsExactly("b");
        assertThat(publisher.sync().publish("a", "1")).isZero();
        assertThat(publisher.sync().publish("b", "2")).isEqualTo(1L);
        assertThat(ps.getMessage(WAIT)).isEqualTo(new PubSubMessage<>("b", null, "2", false));

        ps.punsubscribe();
        assertThat(ps.patterns()).isEmpty();
        assertThat(publisher.sync().publish("p.x", "3")).isZero();
        ps.unsubscribe();
        assertThat(ps.channels()).isEmpty();
        assertThat(publisher.sync().publish("b", "4")).isZero();
        await().atMost(WAIT).untilAsserted(() -> assertThat(recording.events).contains("unsubscribed a", "punsubscribed p.*",
                "unsubscribed b"));
        ps.unsubscribe(); // nothing left: a no-op

        ps.subscribe("c");
        CompletableFuture<PubSubMessage<String, String>> waiting = CompletableFuture.supplyAsync(() -> {
            PubSubMessage<String, String> m = ps.getMessage(WAIT.multipliedBy(3));
            while (m != null) { // drain what was published before close
                m = ps.getMessage(WAIT.multipliedBy(3));
            }
            return m;
        });
        assertThat(publisher.sync().publish("c", "5")).isEqualTo(1L);
        ps.close();
        ps.close(); // idempotent
        assertThat(waiting.get(WAIT.toMillis(), TimeUnit.MILLISECONDS)).as("close wakes getMessage callers").isNull();
        int eventsAtClose = recording.events.size();

        await().atMost(WAIT).until(() -> publisher.sync().publish("c", "6") == 0L);
        assertThat(ps.getMessage(Duration.ofMillis(100))).isNull();
        assertThatThrownBy(() -> ps.subscribe("d")).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> ps.psubscribe("d.*")).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> ps.unsubscribe("c")).isInstanceOf(IllegalStateException.class);
        assertThat(recording.events).hasSize(eventsAtClose);
        // The client no longer tracks the closed session: closing the client does not touch it again.
        subscriber.close();
    }
}
