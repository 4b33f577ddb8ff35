package dev.multidb.detect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

class CommandFailureDetectorTest {

    private final AtomicLong now = new AtomicLong(5_000_000_000L);
    private final IOException boom = new IOException("reset");

    private FailureTracker tracker(int minFailures, double rate) {
        return new CommandFailureDetector(minFailures, rate, Duration.ofSeconds(2), now::get).newTracker(null);
    }

    @Test
    void tripsOnlyWhenCountAndRateAreBothMet() {
        FailureTracker tracker = tracker(10, 0.5);
        for (int i = 0; i < 20; i++) {
            tracker.recordSuccess();
        }
        for (int i = 0; i < 19; i++) {
            assertThat(tracker.recordFailure(boom)).as("failure %d", i + 1).isFalse();
        }
        assertThat(tracker.recordFailure(boom)).as("20 of 40 = 50%").isTrue();
    }

    @Test
    void countAloneIsNotEnough() {
        FailureTracker tracker = tracker(5, 0.5);
        for (int i = 0; i < 100; i++) {
            tracker.recordSuccess();
        }
        for (int i = 0; i < 10; i++) {
            assertThat(tracker.recordFailure(boom)).isFalse();
        }
    }

    @Test
    void windowSlidesInsteadOfTumbling() {
        FailureTracker tracker = tracker(10, 0.1);
        for (int i = 0; i < 6; i++) {
            tracker.recordFailure(boom);
        }
        // 1.5 s later the first failures are still inside the 2 s window.
        now.addAndGet(Duration.ofMillis(1500).toNanos());
        for (int i = 0; i < 3; i++) {
            tracker.recordFailure(boom);
        }
        assertThat(tracker.recordFailure(boom)).isTrue();
    }

    @Test
    void oldFailuresLeaveTheWindow() {
        FailureTracker tracker = tracker(10, 0.1);
        for (int i = 0; i < 9; i++) {
            tracker.recordFailure(boom);
        }
        now.addAndGet(Duration.ofMillis(2100).toNanos());
        assertThat(tracker.recordFailure(boom)).isFalse();
    }

    @Test
    void resetForgets() {
        FailureTracker tracker = tracker(3, 0.1);
        tracker.recordFailure(boom);
        tracker.recordFailure(boom);
        tracker.reset();
        assertThat(tracker.recordFailure(boom)).isFalse();
    }

    @Test
    void rejectsBadThresholds() {
        assertThatThrownBy(() -> new CommandFailureDetector(0, 0.1, Duration.ofSeconds(1))).hasMessageContaining("minNumFailures");
        assertThatThrownBy(() -> new CommandFailureDetector(1, 1.5, Duration.ofSeconds(1))).hasMessageContaining("failureRateThreshold");
        assertThatThrownBy(() -> new CommandFailureDetector(1, 0.1, Duration.ZERO)).hasMessageContaining("failuresDetectionWindow");
    }
}
