package dev.multidb.failover;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.multidb.DatabaseConfig;
import dev.multidb.MultiDbConfig;
import dev.multidb.NoValidDatabaseException;
import dev.multidb.TemporaryUnavailableException;
import dev.multidb.event.EventBus;
import dev.multidb.health.HealthCheckRunner;

/** DESIGN rule 7: TemporaryUnavailable for failoverAttempts × failoverDelay of clock time, then NoValidDatabase. */
class UnavailabilityWindowTest {

    private final AtomicLong now = new AtomicLong(0);
    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
    private final EventBus events = new EventBus("test-events");

    @AfterEach
    void stop() {
        scheduler.shutdownNow();
        events.close();
    }

    @Test
    void temporaryForTheWindowThenNoValidDatabase() throws Exception {
        MultiDbConfig config = MultiDbConfig.builder().database(DatabaseConfig.builder().fromUrl("redis://127.0.0.1:1").build())
                .failoverAttempts(3).failoverDelay(Duration.ofSeconds(2)).build();
        HealthCheckRunner runner = new HealthCheckRunner(List::of, 1, Duration.ZERO, Duration.ofSeconds(1),
                Duration.ofSeconds(1), config.healthCheckPolicy(), scheduler);
        FailoverController<String, String> controller = new FailoverController<>(config, scheduler, runner, events, now::get);
        controller.initialize(List.of(), Duration.ofSeconds(1)); // nothing usable from the start

        assertThatThrownBy(controller::activeOrThrow).isInstanceOf(TemporaryUnavailableException.class);
        now.addAndGet(Duration.ofMillis(5999).toNanos());
        assertThatThrownBy(controller::activeOrThrow).isInstanceOf(TemporaryUnavailableException.class)
                .hasMessageContaining("5999 ms");
        now.addAndGet(Duration.ofMillis(1).toNanos());
        assertThatThrownBy(controller::activeOrThrow).isInstanceOf(NoValidDatabaseException.class)
                .hasMessageContaining("failoverAttempts 3");
    }
}
