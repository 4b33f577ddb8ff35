package dev.multidb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;

import org.junit.jupiter.api.Test;

class CommandRetryTest {

    private static final int DRAWS = 2_000;

    @Test
    void zeroBaseWithPositiveCapNeverWaits() {
        CommandRetry retry = new CommandRetry(5, Duration.ZERO, Duration.ofSeconds(1));
        for (int attempt = 1; attempt <= 40; attempt++) {
            for (int i = 0; i < 50; i++) {
                assertThat(retry.backoffNanos(attempt)).as("retry %d", attempt).isZero();
            }
        }
    }

    @Test
    void firstRetryIsDrawnFromZeroToBase() {
        CommandRetry retry = new CommandRetry(5, Duration.ofMillis(10), Duration.ofSeconds(1));
        long max = 0;
        for (int i = 0; i < DRAWS; i++) {
            long nanos = retry.backoffNanos(1);
            assertThat(nanos).isBetween(0L, Duration.ofMillis(10).toNanos());
            max = Math.max(max, nanos);
        }
        // Full jitter: the draws spread over the range (fails if the ceiling were ignored or 0).
        assertThat(max).isGreaterThan(Duration.ofMillis(5).toNanos());
    }

    @Test
    void ceilingDoublesPerRetryUpToTheCap() {
        CommandRetry retry = new CommandRetry(50, Duration.ofMillis(10), Duration.ofMillis(35));
        for (int i = 0; i < DRAWS; i++) {
            assertThat(retry.backoffNanos(2)).isBetween(0L, Duration.ofMillis(20).toNanos());
            assertThat(retry.backoffNanos(3)).isBetween(0L, Duration.ofMillis(35).toNanos());
            assertThat(retry.backoffNanos(40)).isBetween(0L, Duration.ofMillis(35).toNanos());
        }
    }

    @Test
    void aHugeBaseDoesNotOverflowBelowTheCap() {
        // base * 2^30 overflows a long; the ceiling must still be the cap, not a wrapped value.
        Duration base = Duration.ofSeconds(10);
        Duration cap = Duration.ofDays(3650);
        CommandRetry retry = new CommandRetry(50, base, cap);
        long max = 0;
        for (int i = 0; i < DRAWS; i++) {
            long nanos = retry.backoffNanos(40);
            assertThat(nanos).isBetween(0L, cap.toNanos());
            max = Math.max(max, nanos);
        }
        assertThat(max).isGreaterThan(cap.toNanos() / 2);
    }

    @Test
    void baseEqualToCapIsUniformUpToTheCap() {
        CommandRetry retry = new CommandRetry(1, Duration.ofMillis(7), Duration.ofMillis(7));
        for (int i = 0; i < DRAWS; i++) {
            assertThat(retry.backoffNanos(1)).isBetween(0L, Duration.ofMillis(7).toNanos());
            assertThat(retry.backoffNanos(9)).isBetween(0L, Duration.ofMillis(7).toNanos());
        }
    }

    @Test
    void noneNeverWaits() {
        assertThat(CommandRetry.none().retries()).isZero();
        assertThat(CommandRetry.none().backoffNanos(1)).isZero();
    }

    @Test
    void aRetryNumberBelowOneIsTreatedAsTheFirst() {
        CommandRetry retry = new CommandRetry(3, Duration.ofMillis(1), Duration.ofSeconds(1));
        for (int i = 0; i < DRAWS; i++) {
            assertThat(retry.backoffNanos(0)).isBetween(0L, Duration.ofMillis(1).toNanos());
        }
    }

    @Test
    void invalidValuesAreRefusedNamingTheField() {
        assertThatThrownBy(() -> new CommandRetry(-1, Duration.ZERO, Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("commandRetry.retries");
        assertThatThrownBy(() -> new CommandRetry(1, Duration.ofSeconds(2), Duration.ofSeconds(1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("commandRetry.cap");
        assertThatThrownBy(() -> new CommandRetry(1, Duration.ofMillis(-1), Duration.ofSeconds(1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("commandRetry.base");
    }
}
