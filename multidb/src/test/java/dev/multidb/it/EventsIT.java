package dev.multidb.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.multidb.ActiveDatabaseChangedEvent;
import dev.multidb.CircuitStateChangedEvent;
import dev.multidb.CommandFailedEvent;
import dev.multidb.HealthStatusChangedEvent;
import dev.multidb.MultiDbClient;
import dev.multidb.MultiDbEvent;
import dev.multidb.circuit.CircuitState;
import dev.multidb.testkit.RedisServer;

/** Events are typed, complete, and delivered off the command path: a stuck or throwing listener changes nothing. */
class EventsIT {

    private final RedisServer primary = RedisServer.start();
    private final RedisServer secondary = RedisServer.start();
    private MultiDbClient<String, String> client;
    private final CountDownLatch release = new CountDownLatch(1);

    @AfterEach
    void stop() {
        release.countDown();
        if (client != null) {
            client.close();
        }
        primary.close();
        secondary.close();
    }

    @Test
    void aStuckAndAThrowingListenerNeitherBlockCommandsNorFailover() throws Exception {
        client = MultiDbClient.create(Fixtures.twoDatabases(primary.uri(), secondary.uri()).build());
        client.addListener(ActiveDatabaseChangedEvent.class, e -> {
            throw new IllegalStateException("listener bug");
        });
        client.addListener(MultiDbEvent.class, e -> {
            try {
                release.await(); // stuck until the test ends
            } catch (InterruptedException ignored) {
                Thread.currentThread().interrupt();
            }
        });
        client.sync().set("k", "1");
        primary.kill();
        await().atMost(Duration.ofSeconds(5)).until(() -> "secondary".equals(client.activeDatabase().name()));
        for (int i = 0; i < 100; i++) {
            client.sync().set("k", String.valueOf(i));
        }
        assertThat(secondary.command("GET", "k")).isEqualTo("99");
    }

    @Test
    void aFailoverIsToldThroughEveryKindOfEvent() {
        List<MultiDbEvent> events = new CopyOnWriteArrayList<>();
        client = MultiDbClient.create(Fixtures.twoDatabases(primary.uri(), secondary.uri())
                .listener(MultiDbEvent.class, events::add).build());
        client.sync().set("k", "1");
        primary.kill();
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            assertThat(events).anyMatch(e -> e instanceof HealthStatusChangedEvent h && !h.healthy()
                    && h.database().name().equals("primary") && h.cause() != null);
            assertThat(events).anyMatch(e -> e instanceof CircuitStateChangedEvent c && c.to() == CircuitState.OPEN
                    && c.database().name().equals("primary"));
            assertThat(events).anyMatch(e -> e instanceof ActiveDatabaseChangedEvent a && a.newDatabase().name().equals("secondary"));
        });
        // A command that was in flight or sent right at the kill shows up as a failed attempt.
        client.sync().set("after", "1");
        assertThat(events.stream().filter(e -> e instanceof CommandFailedEvent).map(e -> (CommandFailedEvent) e).toList())
                .allSatisfy(f -> assertThat(f.database().name()).isEqualTo("primary"));
    }
}
