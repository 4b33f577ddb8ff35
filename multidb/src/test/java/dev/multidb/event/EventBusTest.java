package dev.multidb.event;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import dev.multidb.AllDatabasesUnavailableEvent;
import dev.multidb.LoggedWarnings;
import dev.multidb.MultiDbEvent;

class EventBusTest {

    private static MultiDbEvent event() {
        return new AllDatabasesUnavailableEvent(null);
    }

    @Test
    void aBlockedListenerDoesNotGrowTheQueueBeyondItsCapacity() throws InterruptedException {
        int capacity = 4;
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        List<MultiDbEvent> delivered = new CopyOnWriteArrayList<>();
        try (EventBus bus = new EventBus("test-events", capacity)) {
            bus.addListener(MultiDbEvent.class, e -> {
                entered.countDown();
                try {
                    release.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                }
                delivered.add(e);
            });
            bus.publish(event());
            assertThat(entered.await(5, TimeUnit.SECONDS)).isTrue(); // the first is being delivered, the queue is empty

            var captured = LoggedWarnings.capture(EventBus.class, () -> {
                for (int i = 0; i < capacity + 100; i++) {
                    bus.publish(event());
                }
                return null;
            });

            assertThat(bus.droppedEvents()).isEqualTo(100);
            assertThat(captured.warnings()).hasSize(1); // once, not once per dropped event
            assertThat(captured.warnings().get(0).getMessage()).contains("dropp", String.valueOf(capacity));

            release.countDown();
            await().atMost(Duration.ofSeconds(10)).until(() -> delivered.size() == capacity + 1);
            assertThat(bus.droppedEvents()).isEqualTo(100);

            // Once there is room again, events flow again.
            bus.publish(event());
            await().atMost(Duration.ofSeconds(10)).until(() -> delivered.size() == capacity + 2);
            assertThat(bus.droppedEvents()).isEqualTo(100);
        }
    }

    @Test
    void theDefaultCapacityIsBounded() {
        assertThat(EventBus.DEFAULT_CAPACITY).isEqualTo(10_000);
        try (EventBus bus = new EventBus("test-events")) {
            assertThat(bus.capacity()).isEqualTo(EventBus.DEFAULT_CAPACITY);
            assertThat(bus.droppedEvents()).isZero();
        }
    }

    @Test
    void eventsPublishedAfterCloseAreNotCountedAsDropped() {
        EventBus bus = new EventBus("test-events", 2);
        bus.addListener(MultiDbEvent.class, e -> { });
        bus.close();
        bus.publish(event());
        assertThat(bus.droppedEvents()).isZero();
    }

    @Test
    void aCapacityBelowOneIsRefused() {
        assertThatThrownBy(() -> new EventBus("test-events", 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("capacity").hasMessageContaining("0");
    }
}
