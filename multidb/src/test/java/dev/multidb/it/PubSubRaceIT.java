package dev.multidb.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.multidb.MultiDbClient;
import dev.multidb.MultiDbPubSub;
import dev.multidb.testkit.RedisServer;

/**
 * Races around Pub/Sub sessions, provoked many times on purpose: sessions created while the
 * client closes.
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
