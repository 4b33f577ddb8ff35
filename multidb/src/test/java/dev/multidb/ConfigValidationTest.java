package dev.multidb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.function.UnaryOperator;

import org.junit.jupiter.api.Test;

import dev.multidb.failover.WeightBasedFailoverStrategy;
import dev.multidb.health.EchoHealthCheck;
import dev.multidb.health.HealthCheck;
import dev.multidb.health.HealthCheckPolicy;
import dev.multidb.health.InitialHealthCheckPolicy;

class ConfigValidationTest {

    private static DatabaseConfig db(String url) {
        return DatabaseConfig.builder().fromUrl(url).build();
    }

    private static MultiDbConfig.Builder valid() {
        return MultiDbConfig.builder().database(db("redis://127.0.0.1:6379")).database(db("redis://127.0.0.1:6380"));
    }

    private static void rejects(UnaryOperator<MultiDbConfig.Builder> change, String... fragments) {
        assertThatThrownBy(() -> change.apply(valid()).build()).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContainingAll(fragments);
    }

    @Test
    void noDatabases() {
        assertThatThrownBy(() -> MultiDbConfig.builder().build()).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("databases");
    }

    @Test
    void badWeights() {
        assertThatThrownBy(() -> DatabaseConfig.builder().fromUrl("redis://h").weight(0).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContainingAll("weight", "0.0");
        assertThatThrownBy(() -> DatabaseConfig.builder().fromUrl("redis://h").weight(-1).build())
                .hasMessageContainingAll("weight", "-1.0");
        assertThatThrownBy(() -> DatabaseConfig.builder().fromUrl("redis://h").weight(Double.NaN).build())
                .hasMessageContainingAll("weight", "NaN");
    }

    @Test
    void duplicateEndpoints() {
        assertThatThrownBy(() -> MultiDbConfig.builder().database(db("redis://127.0.0.1:6379"))
                .database(DatabaseConfig.builder().fromUrl("redis://127.0.0.1:6379").name("other").build()).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContainingAll("127.0.0.1:6379", "twice");
    }

    @Test
    void malformedUrls() {
        assertThatThrownBy(() -> db("http://127.0.0.1:6379")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContainingAll("fromUrl", "http://127.0.0.1:6379");
        assertThatThrownBy(() -> db("redis://")).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("fromUrl");
        assertThatThrownBy(() -> db("not a url")).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("fromUrl");
        assertThatThrownBy(() -> DatabaseConfig.builder().build()).hasMessageContaining("fromUrl, fromUri, host or client");
    }

    @Test
    void malformedUrlMessagesDoNotLeakThePassword() {
        assertThatThrownBy(() -> db("http://user:s3cret@host:1")).hasMessageNotContaining("s3cret");
    }

    @Test
    void numericFields() {
        rejects(b -> b.healthCheckProbes(0), "healthCheckProbes", "0");
        rejects(b -> b.failureRateThreshold(0), "failureRateThreshold", "0.0");
        rejects(b -> b.failureRateThreshold(1.5), "failureRateThreshold", "1.5");
        rejects(b -> b.failoverAttempts(0), "failoverAttempts", "0");
        rejects(b -> b.minNumFailures(0), "minNumFailures", "0");
    }

    @Test
    void negativeDurations() {
        Duration negative = Duration.ofMillis(-1);
        rejects(b -> b.healthCheckInterval(negative), "healthCheckInterval", "-0.001");
        rejects(b -> b.healthCheckDelay(negative), "healthCheckDelay");
        rejects(b -> b.healthCheckTimeout(negative), "healthCheckTimeout");
        rejects(b -> b.failuresDetectionWindow(negative), "failuresDetectionWindow");
        rejects(b -> b.failoverDelay(negative), "failoverDelay");
        rejects(b -> b.autoFallbackInterval(negative), "autoFallbackInterval");
        rejects(b -> b.commandTimeout(negative), "commandTimeout");
        assertThatThrownBy(() -> DatabaseConfig.builder().fromUrl("redis://h").gracePeriod(negative).build())
                .hasMessageContaining("gracePeriod");
        assertThatThrownBy(() -> CommandRetry.exponentialWithJitter(3, negative, Duration.ofSeconds(1)))
                .hasMessageContaining("commandRetry.base");
    }

    @Test
    void defaultsAreTheDocumentedOnes() {
        MultiDbConfig config = valid().build();
        assertThat(config.healthCheckInterval()).isEqualTo(Duration.ofSeconds(5));
        assertThat(config.healthCheckProbes()).isEqualTo(3);
        assertThat(config.healthCheckDelay()).isEqualTo(Duration.ofMillis(500));
        assertThat(config.minNumFailures()).isEqualTo(1000);
        assertThat(config.failureRateThreshold()).isEqualTo(0.10);
        assertThat(config.failuresDetectionWindow()).isEqualTo(Duration.ofSeconds(2));
        assertThat(config.failoverAttempts()).isEqualTo(10);
        assertThat(config.failoverDelay()).isEqualTo(Duration.ofSeconds(12));
        assertThat(config.commandRetry()).isEqualTo(new CommandRetry(10, Duration.ofMillis(10), Duration.ofSeconds(1)));
        assertThat(config.retryPolicy()).isEqualTo(RetryPolicy.SAFE);
        assertThat(config.healthChecks()).hasSize(1);
        assertThat(config.databases().get(0).gracePeriod()).isEqualTo(Duration.ofSeconds(60));
        // Every other getter, against the README's "Configuration and defaults" table.
        assertThat(config.databases()).extracting(DatabaseConfig::name).containsExactly("127.0.0.1:6379", "127.0.0.1:6380");
        assertThat(config.commandRetry().retries()).isEqualTo(10);
        assertThat(config.commandRetry().base()).isEqualTo(Duration.ofMillis(10));
        assertThat(config.commandRetry().cap()).isEqualTo(Duration.ofSeconds(1));
        assertThat(config.healthChecks().get(0)).isInstanceOf(EchoHealthCheck.class);
        assertThat(config.healthCheckTimeout()).isEqualTo(Duration.ofMillis(500));
        assertThat(config.healthCheckPolicy()).isEqualTo(HealthCheckPolicy.HEALTHY_ALL);
        assertThat(config.failureDetectors()).isEmpty(); // the CommandFailureDetector is the client's, added on top
        assertThat(config.failoverStrategy()).isInstanceOf(WeightBasedFailoverStrategy.class);
        assertThat(config.autoFallbackInterval()).isEqualTo(Duration.ofSeconds(120));
        assertThat(config.initialHealthCheckPolicy()).isEqualTo(InitialHealthCheckPolicy.ALL_AVAILABLE);
        assertThat(config.commandTimeout()).isEqualTo(Duration.ofSeconds(1));
        assertThat(config.connectTimeout()).isEqualTo(Duration.ofSeconds(1));
        assertThat(config.stallThreshold()).isEqualTo(Duration.ofMillis(250));
        assertThat(config.clientResources()).isNull();
        assertThat(config.listeners()).isEmpty();
        // The README's note: failoverAttempts x failoverDelay is 120 s of TemporaryUnavailable.
        assertThat(config.failoverDelay().multipliedBy(config.failoverAttempts())).isEqualTo(Duration.ofSeconds(120));
    }

    @Test
    void databaseDefaultsAreTheDocumentedOnes() {
        DatabaseConfig db = DatabaseConfig.builder().fromUrl("redis://127.0.0.1:6379").build();
        assertThat(db.weight()).isEqualTo(1.0);
        assertThat(db.gracePeriod()).isEqualTo(Duration.ofSeconds(60));
        assertThat(db.healthCheckUrl()).isNull();
        assertThat(db.name()).isEqualTo("127.0.0.1:6379");
        assertThat(db.client()).isNull();
        assertThat(db.clientOptions()).isNull();
        assertThat(db.uri().getDatabase()).isZero();
        assertThat(db.uri().isSsl()).isFalse();
        assertThat(db.endpoint()).isEqualTo("127.0.0.1:6379/0");
        // Host form: port 6379 unless given.
        DatabaseConfig host = DatabaseConfig.builder().host("10.0.0.1").build();
        assertThat(host.uri().getPort()).isEqualTo(6379);
        assertThat(host.name()).isEqualTo("10.0.0.1:6379");
        assertThat(host.weight()).isEqualTo(1.0);
        assertThat(host.gracePeriod()).isEqualTo(Duration.ofSeconds(60));
    }

    @Test
    void theDefaultConstantsAreTheDocumentedValues() {
        assertThat(MultiDbConfig.DEFAULT_HEALTH_CHECK_INTERVAL).isEqualTo(Duration.ofSeconds(5));
        assertThat(MultiDbConfig.DEFAULT_HEALTH_CHECK_PROBES).isEqualTo(3);
        assertThat(MultiDbConfig.DEFAULT_HEALTH_CHECK_DELAY).isEqualTo(Duration.ofMillis(500));
        assertThat(MultiDbConfig.DEFAULT_HEALTH_CHECK_TIMEOUT).isEqualTo(Duration.ofMillis(500));
        assertThat(MultiDbConfig.DEFAULT_HEALTH_CHECK_POLICY).isEqualTo(HealthCheckPolicy.HEALTHY_ALL);
        assertThat(MultiDbConfig.DEFAULT_MIN_NUM_FAILURES).isEqualTo(1000);
        assertThat(MultiDbConfig.DEFAULT_FAILURE_RATE_THRESHOLD).isEqualTo(0.10);
        assertThat(MultiDbConfig.DEFAULT_FAILURES_DETECTION_WINDOW).isEqualTo(Duration.ofSeconds(2));
        assertThat(MultiDbConfig.DEFAULT_FAILOVER_ATTEMPTS).isEqualTo(10);
        assertThat(MultiDbConfig.DEFAULT_FAILOVER_DELAY).isEqualTo(Duration.ofSeconds(12));
        assertThat(MultiDbConfig.DEFAULT_AUTO_FALLBACK_INTERVAL).isEqualTo(Duration.ofSeconds(120));
        assertThat(MultiDbConfig.DEFAULT_INITIAL_HEALTH_CHECK_POLICY).isEqualTo(InitialHealthCheckPolicy.ALL_AVAILABLE);
        assertThat(MultiDbConfig.DEFAULT_COMMAND_TIMEOUT).isEqualTo(Duration.ofSeconds(1));
        assertThat(MultiDbConfig.DEFAULT_CONNECT_TIMEOUT).isEqualTo(Duration.ofSeconds(1));
        assertThat(MultiDbConfig.DEFAULT_STALL_THRESHOLD).isEqualTo(Duration.ofMillis(250));
        assertThat(MultiDbConfig.DEFAULT_RETRY_POLICY).isEqualTo(RetryPolicy.SAFE);
        assertThat(DatabaseConfig.DEFAULT_WEIGHT).isEqualTo(1.0);
        assertThat(DatabaseConfig.DEFAULT_GRACE_PERIOD).isEqualTo(Duration.ofSeconds(60));
    }

    @Test
    void addedHealthChecksRunInAdditionToEchoUnlessItIsTurnedOff() {
        HealthCheck mine = target -> CompletableFuture.completedFuture(true);
        MultiDbConfig withEcho = valid().healthCheck(mine).build();
        assertThat(withEcho.healthChecks()).hasSize(2);
        assertThat(withEcho.healthChecks().get(0)).isInstanceOf(EchoHealthCheck.class);
        assertThat(withEcho.healthChecks().get(1)).isSameAs(mine);
        MultiDbConfig withoutEcho = valid().defaultHealthCheck(false).healthCheck(mine).build();
        assertThat(withoutEcho.healthChecks()).containsExactly(mine);
        rejects(b -> b.defaultHealthCheck(false), "healthChecks", "empty");
    }

    @Test
    void toStringMasksThePassword() {
        DatabaseConfig config = DatabaseConfig.builder().fromUrl("redis://alice:s3cret@127.0.0.1:6379").build();
        assertThat(config.toString()).contains("alice:***@127.0.0.1:6379").doesNotContain("s3cret");
        DatabaseConfig passwordOnly = DatabaseConfig.builder().fromUrl("redis://:s3cret@127.0.0.1:6379").build();
        assertThat(passwordOnly.toString()).doesNotContain("s3cret").contains("***");
    }

    @Test
    void hostAndPortForm() {
        DatabaseConfig config = DatabaseConfig.builder().host("10.0.0.1").port(7000).database(2).password("pw").build();
        assertThat(config.uri().getHost()).isEqualTo("10.0.0.1");
        assertThat(config.uri().getPort()).isEqualTo(7000);
        assertThat(config.uri().getDatabase()).isEqualTo(2);
        assertThat(config.name()).isEqualTo("10.0.0.1:7000");
        assertThatThrownBy(() -> DatabaseConfig.builder().host("h").port(70000).build()).hasMessageContainingAll("port", "70000");
    }
}
