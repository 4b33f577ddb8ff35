package dev.multidb.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.multidb.Database;
import dev.multidb.MultiDbClient;
import dev.multidb.MultiDbPubSub;
import dev.multidb.testkit.RedisServer;

/**
 * Races around Pub/Sub sessions, provoked many times on purpose: concurrent changes of one
 * channel, changes during switches, and sessions created while the client closes.
 */
class PubSubRaceIT {

    private static final Duration WAIT = Duration.ofSeconds(30);

    private final RedisServer primary = RedisServer.start();
    private final RedisServer secondary = RedisServer.start();
    private final List<AutoCloseable> closeables = new CopyOnWriteArrayList<>();
    private final ExecutorService threads = Executors.newCachedThreadPool();

    @AfterEach
    void stop() throws Exception {
        threads.shutdownNow();
        for (AutoCloseable c : closeables) {
            c.close();
        }
        primary.close();
        secondary.close();
    }

    private MultiDbClient<String, String> client(Duration commandTimeout) {
        MultiDbClient<String, String> client = MultiDbClient.create(Fixtures.twoDatabases(primary.uri(), secondary.uri())
                .autoFallbackInterval(Duration.ZERO)
                .connectTimeout(Duration.ofSeconds(5))
                .healthCheckTimeout(Duration.ofSeconds(2))
                .commandTimeout(commandTimeout)
                .build());
        closeables.add(0, client);
        return client;
    }

    /** How many connections subscribed to {@code channel} on the primary, as the server sees it. */
    private long serverSubscribers(String channel) {
        return subscribers(primary, channel);
    }

    private static long subscribers(RedisServer server, String channel) {
        String[] reply = server.command("PUBSUB", "NUMSUB", channel).split("\n");
        return Long.parseLong(reply[1]);
    }

    /**
     * Defect 8: SUBSCRIBE and UNSUBSCRIBE of one channel from two threads at once. When both
     * calls have returned, the server must agree with {@code channels()}: whichever change the
     * session remembers last must also be the one the server received last.
     */
    @Test
    void concurrentSubscribeAndUnsubscribeKeepTheServerInStepWithChannels() throws Exception {
        MultiDbClient<String, String> client = client(Duration.ofSeconds(5));
        MultiDbPubSub<String, String> ps = client.pubsub();
        closeables.add(0, ps);
        ps.subscribe("warm-up"); // the connection is up: every change below goes straight to it
        int pairs = 3;
        int rounds = 400;
        AtomicInteger outOfStep = new AtomicInteger();
        List<String> examples = new CopyOnWriteArrayList<>();
        List<Future<?>> running = new ArrayList<>();
        for (int p = 0; p < pairs; p++) {
            String channel = "race-" + p;
            CyclicBarrier start = new CyclicBarrier(2);
            CyclicBarrier done = new CyclicBarrier(2, () -> {
                boolean remembered = ps.channels().contains(channel);
                long onServer = serverSubscribers(channel);
                if (remembered != (onServer == 1)) {
                    outOfStep.incrementAndGet();
                    examples.add(channel + ": channels() " + (remembered ? "has" : "lacks") + " it, server has " + onServer
                            + " subscriber(s)");
                }
            });
            running.add(threads.submit(() -> {
                for (int i = 0; i < rounds; i++) {
                    start.await(WAIT.toMillis(), TimeUnit.MILLISECONDS);
                    ps.subscribe(channel);
                    done.await(WAIT.toMillis(), TimeUnit.MILLISECONDS);
                }
                return null;
            }));
            running.add(threads.submit(() -> {
                for (int i = 0; i < rounds; i++) {
                    start.await(WAIT.toMillis(), TimeUnit.MILLISECONDS);
                    ps.unsubscribe(channel);
                    done.await(WAIT.toMillis(), TimeUnit.MILLISECONDS);
                }
                return null;
            }));
        }
        for (Future<?> f : running) {
            f.get(WAIT.toMillis() * 4, TimeUnit.MILLISECONDS);
        }
        assertThat(outOfStep.get()).as("rounds (of %d) that left the server out of step with channels(): %s", pairs * rounds,
                examples.size() > 5 ? examples.subList(0, 5) : examples).isZero();
        assertThat(ps.channels()).contains("warm-up");
    }

    /**
     * Changes while the session follows switch after switch. Every change is to a channel of its
     * own (subscribed, then mostly unsubscribed again), so a change that a switch loses is never
     * repaired by a later one: once things settle, the active database's server must have exactly
     * {@code channels()}, and the other one nothing. This exercises the catch-up of a new
     * connection with the changes made while it was subscribing the remembered set.
     */
    @Test
    void changesDuringSwitchesLeaveExactlyTheRememberedSetOnTheActiveDatabase() throws Exception {
        MultiDbClient<String, String> client = client(Duration.ofSeconds(5));
        MultiDbPubSub<String, String> ps = client.pubsub();
        closeables.add(0, ps);
        ps.subscribe("warm-up");
        AtomicBoolean changing = new AtomicBoolean(true);
        AtomicInteger changes = new AtomicInteger();
        List<Future<?>> running = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            String prefix = "sw-" + t + "-";
            running.add(threads.submit(() -> {
                for (int i = 0; changing.get(); i++) {
                    ps.subscribe(prefix + i);
                    if (i % 4 != 0) {
                        ps.unsubscribe(prefix + i);
                    }
                    changes.incrementAndGet();
                }
                return null;
            }));
        }
        List<Database> databases = client.databases();
        for (int round = 0; round < 30; round++) {
            int before = changes.get();
            await().atMost(WAIT).until(() -> changes.get() > before + 20);
            client.setActiveDatabase(databases.get((round + 1) % 2));
        }
        await().atMost(WAIT).until(() -> changes.get() > 20);
        changing.set(false);
        for (Future<?> f : running) {
            f.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        }
        RedisServer active = client.activeDatabase() == databases.get(0) ? primary : secondary;
        RedisServer other = active == primary ? secondary : primary;
        await().atMost(WAIT).untilAsserted(() -> {
            assertThat(channelsOn(active)).as("subscribed on the active database").isEqualTo(new TreeSet<>(ps.channels()));
            assertThat(channelsOn(other)).as("subscribed on the other database").isEmpty();
        });
        assertThat(ps.channels()).hasSizeGreaterThan(30);
    }

    private static TreeSet<String> channelsOn(RedisServer server) {
        String reply = server.command("PUBSUB", "CHANNELS");
        TreeSet<String> channels = new TreeSet<>();
        if (reply != null && !reply.isEmpty()) {
            channels.addAll(Arrays.asList(reply.split("\n")));
        }
        return channels;
    }

    /**
     * A session obtained while {@code client.close()} runs must not escape it: either
     * {@code pubsub()} refuses, or the session it returns is closed (with its connection).
     */
    @Test
    void aSessionCreatedWhileTheClientClosesIsClosedWithIt() throws Exception {
        int rounds = 15;
        int creators = 2;
        for (int round = 0; round < rounds; round++) {
            // Short: a session that escaped the close fails its subscribe with a timeout instead of waiting long.
            MultiDbClient<String, String> client = client(Duration.ofMillis(300));
            List<MultiDbPubSub<String, String>> sessions = new CopyOnWriteArrayList<>();
            CyclicBarrier go = new CyclicBarrier(creators + 1);
            List<Future<?>> running = new ArrayList<>();
            for (int c = 0; c < creators; c++) {
                running.add(threads.submit(() -> {
                    go.await(WAIT.toMillis(), TimeUnit.MILLISECONDS);
                    while (true) {
                        try {
                            sessions.add(client.pubsub());
                        } catch (IllegalStateException refused) {
                            return null; // the client is closed
                        }
                    }
                }));
            }
            go.await(WAIT.toMillis(), TimeUnit.MILLISECONDS);
            client.close();
            for (Future<?> f : running) {
                f.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
            }
            for (MultiDbPubSub<String, String> session : sessions) {
                assertThatThrownBy(() -> session.subscribe("x")).as("round %d: a session of a closed client is closed", round)
                        .isInstanceOf(IllegalStateException.class);
            }
        }
        await().atMost(WAIT).untilAsserted(() -> assertThat(primary.command("CLIENT", "LIST", "TYPE", "pubsub"))
                .as("Pub/Sub connections left open on the server").isEmpty());
    }
}
