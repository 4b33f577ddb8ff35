package dev.multidb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.time.Duration;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link CommandRetry#backoffNanos(int)} against its Javadoc: the delay before retry {@code n} is
 * uniform in {@code [0, min(cap, base * 2^(n-1))]}, for every retry number a client may reach.
 */
class CommandRetryBackoffTest {

    private static final int MAX_RETRY = 40;
    /** Samples per retry number: enough that a draw in the upper half of the range is certain (1 - 2^-2000). */
    private static final int SAMPLES = 2000;

    /** The documented ceiling, computed without overflow. */
    private static long ceiling(CommandRetry retry, int n) {
        BigInteger exponential = BigInteger.valueOf(retry.base().toNanos()).shiftLeft(n - 1);
        return exponential.min(BigInteger.valueOf(retry.cap().toNanos())).longValueExact();
    }

    static Stream<Arguments> baseAndCap() {
        return Stream.of(
                Arguments.of(Duration.ofMillis(10), Duration.ofSeconds(1)),      // the default
                Arguments.of(Duration.ofMillis(1), Duration.ofMillis(50)),
                Arguments.of(Duration.ofMillis(100), Duration.ofSeconds(30)),
                Arguments.of(Duration.ofNanos(1), Duration.ofNanos(1_000)),      // tiny numbers: the + 1 of the range matters
                Arguments.of(Duration.ofMillis(250), Duration.ofMillis(250)),    // base = cap
                Arguments.of(Duration.ofSeconds(2), Duration.ofMinutes(5)),
                Arguments.of(Duration.ofNanos(1), Duration.ofHours(1)),          // more than 30 doublings below the cap
                Arguments.of(Duration.ofNanos((1L << 34) + 1), Duration.ofSeconds(60))); // base << n would overflow
    }

    @ParameterizedTest(name = "base {0}, cap {1}")
    @MethodSource("baseAndCap")
    void everyRetryStaysWithinZeroAndTheDocumentedCeiling(Duration base, Duration cap) {
        CommandRetry retry = CommandRetry.exponentialWithJitter(10, base, cap);
        for (int n = 1; n <= MAX_RETRY; n++) {
            long ceiling = ceiling(retry, n);
            for (int i = 0; i < SAMPLES; i++) {
                long backoff = retry.backoffNanos(n);
                assertThat(backoff).as("retry %d of %s", n, retry).isBetween(0L, ceiling);
            }
        }
    }

    @ParameterizedTest(name = "base {0}, cap {1}")
    @MethodSource("baseAndCap")
    void everyRetryUsesItsWholeRangeNotAFixedOrShrunkenOne(Duration base, Duration cap) {
        CommandRetry retry = CommandRetry.exponentialWithJitter(10, base, cap);
        for (int n = 1; n <= MAX_RETRY; n++) {
            long ceiling = ceiling(retry, n);
            long max = 0;
            long min = Long.MAX_VALUE;
            for (int i = 0; i < SAMPLES; i++) {
                long backoff = retry.backoffNanos(n);
                max = Math.max(max, backoff);
                min = Math.min(min, backoff);
            }
            // Full jitter: draws reach the upper half of [0, ceiling] and the lower half too.
            assertThat(max).as("largest draw for retry %d of %s (ceiling %d ns)", n, retry, ceiling)
                    .isGreaterThanOrEqualTo(ceiling / 2);
            assertThat(min).as("smallest draw for retry %d of %s (ceiling %d ns)", n, retry, ceiling)
                    .isLessThanOrEqualTo(ceiling / 2);
        }
    }

    @Test
    void theCeilingDoublesUntilTheCap() {
        CommandRetry retry = CommandRetry.exponentialWithJitter(10, Duration.ofMillis(10), Duration.ofSeconds(1));
        // 10, 20, 40, 80, 160, 320, 640 ms, then the 1 s cap: the 8th retry may wait more than the 7th's ceiling.
        long seventhCeiling = Duration.ofMillis(640).toNanos();
        long largestEighth = 0;
        for (int i = 0; i < SAMPLES; i++) {
            assertThat(retry.backoffNanos(7)).isLessThanOrEqualTo(seventhCeiling);
            largestEighth = Math.max(largestEighth, retry.backoffNanos(8));
        }
        assertThat(largestEighth).isGreaterThan(seventhCeiling).isLessThanOrEqualTo(Duration.ofSeconds(1).toNanos());
    }

    @Test
    void baseEqualToCapDrawsFromTheSameRangeForEveryRetry() {
        CommandRetry retry = CommandRetry.exponentialWithJitter(3, Duration.ofMillis(40), Duration.ofMillis(40));
        for (int n = 1; n <= MAX_RETRY; n++) {
            assertThat(ceiling(retry, n)).isEqualTo(Duration.ofMillis(40).toNanos());
            for (int i = 0; i < 200; i++) {
                assertThat(retry.backoffNanos(n)).isBetween(0L, Duration.ofMillis(40).toNanos());
            }
        }
    }

    @Test
    void aZeroCapMeansNoPauseAtAll() {
        CommandRetry retry = CommandRetry.exponentialWithJitter(5, Duration.ZERO, Duration.ZERO);
        for (int n = 1; n <= MAX_RETRY; n++) {
            for (int i = 0; i < 100; i++) {
                assertThat(retry.backoffNanos(n)).as("retry %d", n).isZero();
            }
        }
    }

    @Test
    void noneNeverRetriesAndNeverWaits() {
        CommandRetry none = CommandRetry.none();
        assertThat(none.retries()).isZero();
        assertThat(none.base()).isEqualTo(Duration.ZERO);
        assertThat(none.cap()).isEqualTo(Duration.ZERO);
        assertThat(none).isEqualTo(new CommandRetry(0, Duration.ZERO, Duration.ZERO));
        for (int n = 1; n <= MAX_RETRY; n++) {
            assertThat(none.backoffNanos(n)).isZero();
        }
        // It is accepted by the config as it is.
        MultiDbConfig config = MultiDbConfig.builder().database(DatabaseConfig.builder().fromUrl("redis://127.0.0.1:6379").build())
                .commandRetry(none).build();
        assertThat(config.commandRetry().retries()).isZero();
    }

    @Test
    void theDefaultIsTheFactoryWithTheReferenceValues() {
        assertThat(CommandRetry.DEFAULT).isEqualTo(CommandRetry.exponentialWithJitter(10, Duration.ofMillis(10), Duration.ofSeconds(1)));
    }

    @Test
    void invalidValuesAreRefusedWithTheFieldName() {
        assertThatThrownBy(() -> CommandRetry.exponentialWithJitter(-1, Duration.ZERO, Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContainingAll("commandRetry.retries", "-1");
        assertThatThrownBy(() -> CommandRetry.exponentialWithJitter(1, Duration.ofSeconds(2), Duration.ofSeconds(1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContainingAll("commandRetry.cap", "commandRetry.base");
        assertThatThrownBy(() -> CommandRetry.exponentialWithJitter(1, Duration.ZERO, Duration.ofMillis(-1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("commandRetry.cap");
        assertThatThrownBy(() -> CommandRetry.exponentialWithJitter(1, null, Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("commandRetry.base");
    }
}
