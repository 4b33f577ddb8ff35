package dev.multidb.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.core.env.SystemEnvironmentPropertySource;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.core.StringRedisTemplate;

import dev.multidb.MultiDbClient;
import dev.multidb.MultiDbConfig;
import dev.multidb.RetryPolicy;
import dev.multidb.health.HealthCheckPolicy;
import dev.multidb.spring.MultiDbConnectionFactory;
import dev.multidb.testkit.RedisServer;

/** The {@code multidb.*} properties: bound in Boot's conventions, bad values named, credentials from the environment. */
class MultiDbPropertiesIT {

    private static RedisServer server;
    private static RedisServer secured;

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(MultiDbAutoConfiguration.class, DataRedisAutoConfiguration.class));

    @BeforeAll
    static void startServers() {
        server = RedisServer.start();
        secured = RedisServer.start("--requirepass", "s3cret");
    }

    @AfterAll
    static void stopServers() {
        server.close();
        secured.close();
    }

    @Test
    void everyPropertyReachesTheClientAndBootsRedisBeansUseTheFactory() {
        runner.withPropertyValues(
                "multidb.databases[0].url=" + server.uri(),
                "multidb.databases[0].name=east",
                "multidb.databases[0].weight=0.8",
                "multidb.databases[0].grace-period=7s",
                "multidb.databases[0].health-check-url=https://cluster.example:9443",
                "multidb.health-check.interval=2s",
                "multidb.health-check.probes=2",
                "multidb.health-check.delay=100ms",
                "multidb.health-check.timeout=300ms",
                "multidb.health-check.policy=healthy-majority",
                "multidb.failure-detection.min-num-failures=50",
                "multidb.failure-detection.failure-rate-threshold=0.25",
                "multidb.failure-detection.window=3s",
                "multidb.failover.attempts=4",
                "multidb.failover.delay=2s",
                "multidb.failover.auto-fallback-interval=0",
                "multidb.retry.policy=never",
                "multidb.retry.retries=3",
                "multidb.retry.base=5ms",
                "multidb.retry.cap=200ms",
                "multidb.command-timeout=1500ms",
                "multidb.connect-timeout=700ms",
                "multidb.stall-threshold=300ms",
                "multidb.busy-budget=2s").run(context -> {
                    assertThat(context).hasNotFailed();
                    MultiDbConfig config = context.getBean(MultiDbConfig.class);
                    assertThat(config.databases()).singleElement().satisfies(db -> {
                        assertThat(db.name()).isEqualTo("east");
                        assertThat(db.weight()).isEqualTo(0.8);
                        assertThat(db.gracePeriod()).isEqualTo(Duration.ofSeconds(7));
                        assertThat(db.healthCheckUrl()).isEqualTo("https://cluster.example:9443");
                    });
                    assertThat(config.healthCheckInterval()).isEqualTo(Duration.ofSeconds(2));
                    assertThat(config.healthCheckProbes()).isEqualTo(2);
                    assertThat(config.healthCheckDelay()).isEqualTo(Duration.ofMillis(100));
                    assertThat(config.healthCheckTimeout()).isEqualTo(Duration.ofMillis(300));
                    assertThat(config.healthCheckPolicy()).isEqualTo(HealthCheckPolicy.HEALTHY_MAJORITY);
                    assertThat(config.minNumFailures()).isEqualTo(50);
                    assertThat(config.failureRateThreshold()).isEqualTo(0.25);
                    assertThat(config.failuresDetectionWindow()).isEqualTo(Duration.ofSeconds(3));
                    assertThat(config.failoverAttempts()).isEqualTo(4);
                    assertThat(config.failoverDelay()).isEqualTo(Duration.ofSeconds(2));
                    assertThat(config.autoFallbackInterval()).isEqualTo(Duration.ZERO);
                    assertThat(config.retryPolicy()).isEqualTo(RetryPolicy.NEVER);
                    assertThat(config.commandRetry().retries()).isEqualTo(3);
                    assertThat(config.commandRetry().base()).isEqualTo(Duration.ofMillis(5));
                    assertThat(config.commandRetry().cap()).isEqualTo(Duration.ofMillis(200));
                    assertThat(config.commandTimeout()).isEqualTo(Duration.ofMillis(1500));
                    assertThat(config.connectTimeout()).isEqualTo(Duration.ofMillis(700));
                    assertThat(config.stallThreshold()).isEqualTo(Duration.ofMillis(300));
                    assertThat(config.busyBudget()).isEqualTo(Duration.ofSeconds(2));
                    // Boot's own Redis auto-configuration backed off and its templates use multidb.
                    assertThat(context).getBean(RedisConnectionFactory.class).isInstanceOf(MultiDbConnectionFactory.class);
                    StringRedisTemplate template = context.getBean(StringRedisTemplate.class);
                    template.opsForValue().set("bound", "yes");
                    assertThat(server.command("GET", "bound")).isEqualTo("yes");
                });
    }

    @Test
    void aBadValueFailsStartUpNamingTheProperty() {
        assertInvalid("multidb.databases[1].weight", "-1.0", "weight must be a positive finite number",
                "multidb.databases[0].url=" + server.uri(), "multidb.databases[1].url=redis://127.0.0.1:1",
                "multidb.databases[1].weight=-1");
        assertInvalid("multidb.databases[0].url", "http://x", "fromUrl must start with redis://",
                "multidb.databases[0].url=http://x");
        assertInvalid("multidb.health-check.interval", "PT0S", "healthCheckInterval must be positive",
                "multidb.databases[0].url=" + server.uri(), "multidb.health-check.interval=0s");
        assertInvalid("multidb.failure-detection.failure-rate-threshold", "1.5", "failureRateThreshold must be in (0, 1]",
                "multidb.databases[0].url=" + server.uri(), "multidb.failure-detection.failure-rate-threshold=1.5");
        assertInvalid("multidb.retry.cap", "PT0.001S", "commandRetry.cap",
                "multidb.databases[0].url=" + server.uri(), "multidb.retry.base=10ms", "multidb.retry.cap=1ms");
        assertInvalid("multidb.databases", null, "at least one database");
        // A value of the wrong type is refused by Boot's binder, which names the property too.
        runner.withPropertyValues("multidb.databases[0].url=" + server.uri(), "multidb.command-timeout=soon").run(context -> {
            assertThat(context).hasFailed();
            assertThat(chain(context.getStartupFailure())).contains("multidb.command-timeout");
        });
    }

    @Test
    void aPasswordInTheUrlIsNotShownInTheReport() {
        runner.withPropertyValues("multidb.databases[0].url=redis://user:hunter2@127.0.0.1:0").run(context -> {
            assertThat(context).hasFailed();
            assertThat(chain(context.getStartupFailure())).contains("multidb.databases[0].url").doesNotContain("hunter2");
        });
    }

    @Test
    void credentialsComeFromTheEnvironment() {
        // A placeholder in the properties, filled from an environment variable...
        runner.withInitializer(ctx -> ctx.getEnvironment().getPropertySources().addFirst(new SystemEnvironmentPropertySource(
                        "test-systemEnvironment", Map.of("REDIS_PASSWORD", "s3cret"))))
                .withPropertyValues("multidb.databases[0].url=" + secured.uri(), "multidb.databases[0].password=${REDIS_PASSWORD}")
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    context.getBean(StringRedisTemplate.class).opsForValue().set("auth", "ok");
                    assertThat(secured.command("GET", "auth")).isEqualTo("ok");
                });
        // ...or the whole database from environment variables, in Boot's relaxed form.
        runner.withInitializer(ctx -> ctx.getEnvironment().getPropertySources().addFirst(new SystemEnvironmentPropertySource(
                        "test-systemEnvironment", Map.of("MULTIDB_DATABASES_0_URL", secured.uri(),
                                "MULTIDB_DATABASES_0_PASSWORD", "s3cret"))))
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    assertThat(context.getBean(MultiDbClient.class).activeDatabase()).isNotNull();
                });
    }

    @Test
    void disabledLeavesBootsOwnFactory() {
        runner.withPropertyValues("multidb.enabled=false").run(context -> {
            assertThat(context).doesNotHaveBean(MultiDbClient.class);
            assertThat(context).getBean(RedisConnectionFactory.class).isNotInstanceOf(MultiDbConnectionFactory.class);
        });
    }

    @Test
    void configurationMetadataDescribesEveryPropertyForIdes() throws Exception {
        com.fasterxml.jackson.databind.JsonNode metadata;
        try (var in = MultiDbProperties.class.getResourceAsStream("/META-INF/spring-configuration-metadata.json")) {
            metadata = new com.fasterxml.jackson.databind.ObjectMapper().readTree(in);
        }
        Map<String, com.fasterxml.jackson.databind.JsonNode> byName = new java.util.HashMap<>();
        metadata.path("properties").forEach(p -> byName.put(p.path("name").asText(), p));
        assertThat(byName).containsKeys("multidb.databases", "multidb.health-check.interval",
                "multidb.failure-detection.window", "multidb.failover.auto-fallback-interval", "multidb.retry.policy",
                "multidb.busy-budget", "multidb.health-check.lag-aware.lag-tolerance");
        assertThat(byName.values()).allSatisfy(p -> assertThat(p.path("description").asText()).as(p.path("name").asText()).isNotBlank());
        assertThat(byName.get("multidb.busy-budget").path("defaultValue").asText()).isEqualTo("3s");
        assertThat(byName.get("multidb.failover.auto-fallback-interval").path("defaultValue").asText()).isEqualTo("120s");
    }

    private void assertInvalid(String property, String value, String reason, String... properties) {
        runner.withPropertyValues(properties).run(context -> {
            assertThat(context).hasFailed();
            InvalidConfigurationPropertyValueException e = find(context.getStartupFailure());
            assertThat(e).as("startup failure %s", context.getStartupFailure()).isNotNull();
            assertThat(e.getName()).isEqualTo(property);
            if (value != null) {
                assertThat(String.valueOf(e.getValue())).isEqualTo(value);
            }
            assertThat(e.getReason()).contains(reason);
        });
    }

    private static InvalidConfigurationPropertyValueException find(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof InvalidConfigurationPropertyValueException found) {
                return found;
            }
        }
        return null;
    }

    private static String chain(Throwable e) {
        StringBuilder all = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause()) {
            all.append(t).append('\n');
        }
        return all.toString();
    }
}
