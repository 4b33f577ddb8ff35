package dev.multidb;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import dev.multidb.health.LagAwareHealthCheck;

/** Settings that defeat each other are accepted but said so at build(), naming both settings. */
class ConfigWarningsTest {

    private static MultiDbConfig.Builder base() {
        return MultiDbConfig.builder().database(DatabaseConfig.builder().fromUrl("redis://127.0.0.1:6379").build());
    }

    @Test
    void aProbeTimeoutNotShorterThanTheBusyBudgetIsWarnedAbout() {
        var built = LoggedWarnings.capture(MultiDbConfig.class,
                () -> base().healthCheckTimeout(Duration.ofSeconds(2)).busyBudget(Duration.ofSeconds(1)).build());
        assertThat(built.warnings()).singleElement().satisfies(r -> assertThat(r.getMessage())
                .contains("healthCheckTimeout (PT2S)").contains("busyBudget (PT1S)"));
    }

    @Test
    void aProbeTimeoutTooShortForTheLagAwareCheckIsWarnedAbout() {
        LagAwareHealthCheck lag = LagAwareHealthCheck.builder().httpTimeout(Duration.ofSeconds(1)).build();
        var built = LoggedWarnings.capture(MultiDbConfig.class,
                () -> base().healthCheck(lag).healthCheckTimeout(Duration.ofMillis(500)).build());
        assertThat(built.warnings()).singleElement().satisfies(r -> assertThat(r.getMessage())
                .contains("lag-aware").contains("at least PT2S"));
    }

    @Test
    void theDefaultsAreConsistent() {
        assertThat(LoggedWarnings.capture(MultiDbConfig.class, () -> base().build()).warnings()).isEmpty();
        assertThat(MultiDbConfig.DEFAULT_BUSY_BUDGET).isEqualTo(Duration.ofSeconds(3));
        assertThat(base().build().busyBudget()).isEqualTo(MultiDbConfig.DEFAULT_BUSY_BUDGET);
    }
}
