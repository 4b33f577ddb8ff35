package dev.multidb.spring.boot;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;

import dev.multidb.CommandRetry;
import dev.multidb.DatabaseConfig;
import dev.multidb.MultiDbConfig;
import dev.multidb.health.LagAwareHealthCheck;

/**
 * Turns {@link MultiDbProperties} into a {@link MultiDbConfig}. multidb validates its
 * configuration itself and names the builder field in its message ("weight must be ...");
 * this class translates that field into the property the user wrote, so that a bad value fails
 * start-up with Spring Boot's "Invalid value ... for configuration property multidb...." report.
 */
final class MultiDbConfigBinder {

    /** A property as the user wrote it, and its value, for the error report. */
    private record Property(String name, Object value) {
    }

    private MultiDbConfigBinder() {
    }

    /**
     * The configuration the properties describe; {@code customizer} adds what properties cannot
     * say (listeners, health checks, detectors) before it is built.
     *
     * @throws InvalidConfigurationPropertyValueException naming the property of a bad value
     */
    static MultiDbConfig toConfig(MultiDbProperties p, java.util.function.Consumer<MultiDbConfig.Builder> customizer) {
        String prefix = MultiDbProperties.PREFIX + ".";
        List<MultiDbProperties.Database> databases = p.getDatabases();
        if (databases == null || databases.isEmpty()) {
            throw new InvalidConfigurationPropertyValueException(prefix + "databases", null,
                    "at least one database is needed, e.g. multidb.databases[0].url=redis://localhost:6379");
        }
        MultiDbConfig.Builder builder = MultiDbConfig.builder();
        for (int i = 0; i < databases.size(); i++) {
            builder.database(database(prefix + "databases[" + i + "].", databases.get(i)));
        }
        Map<String, Property> fields = new HashMap<>();
        MultiDbProperties.HealthCheck hc = p.getHealthCheck();
        MultiDbProperties.FailureDetection fd = p.getFailureDetection();
        MultiDbProperties.Failover fo = p.getFailover();
        MultiDbProperties.Retry retry = p.getRetry();
        put(fields, "healthCheckInterval", prefix + "health-check.interval", hc.getInterval());
        put(fields, "healthCheckProbes", prefix + "health-check.probes", hc.getProbes());
        put(fields, "healthCheckDelay", prefix + "health-check.delay", hc.getDelay());
        put(fields, "healthCheckTimeout", prefix + "health-check.timeout", hc.getTimeout());
        put(fields, "healthCheckPolicy", prefix + "health-check.policy", hc.getPolicy());
        put(fields, "minNumFailures", prefix + "failure-detection.min-num-failures", fd.getMinNumFailures());
        put(fields, "failureRateThreshold", prefix + "failure-detection.failure-rate-threshold", fd.getFailureRateThreshold());
        put(fields, "failuresDetectionWindow", prefix + "failure-detection.window", fd.getWindow());
        put(fields, "failoverAttempts", prefix + "failover.attempts", fo.getAttempts());
        put(fields, "failoverDelay", prefix + "failover.delay", fo.getDelay());
        put(fields, "autoFallbackInterval", prefix + "failover.auto-fallback-interval", fo.getAutoFallbackInterval());
        put(fields, "initialHealthCheckPolicy", prefix + "initial-health-check-policy", p.getInitialHealthCheckPolicy());
        put(fields, "commandTimeout", prefix + "command-timeout", p.getCommandTimeout());
        put(fields, "connectTimeout", prefix + "connect-timeout", p.getConnectTimeout());
        put(fields, "stallThreshold", prefix + "stall-threshold", p.getStallThreshold());
        put(fields, "busyBudget", prefix + "busy-budget", p.getBusyBudget());
        put(fields, "retryPolicy", prefix + "retry.policy", retry.getPolicy());
        put(fields, "commandRetry.retries", prefix + "retry.retries", retry.getRetries());
        put(fields, "commandRetry.base", prefix + "retry.base", retry.getBase());
        put(fields, "commandRetry.cap", prefix + "retry.cap", retry.getCap());
        put(fields, "databases", prefix + "databases", "");
        try {
            builder.commandRetry(new CommandRetry(retry.getRetries(), retry.getBase(), retry.getCap()))
                    .retryPolicy(retry.getPolicy())
                    .healthCheckInterval(hc.getInterval())
                    .healthCheckProbes(hc.getProbes())
                    .healthCheckDelay(hc.getDelay())
                    .healthCheckTimeout(hc.getTimeout())
                    .healthCheckPolicy(hc.getPolicy())
                    .minNumFailures(fd.getMinNumFailures())
                    .failureRateThreshold(fd.getFailureRateThreshold())
                    .failuresDetectionWindow(fd.getWindow())
                    .failoverAttempts(fo.getAttempts())
                    .failoverDelay(fo.getDelay())
                    .autoFallbackInterval(fo.getAutoFallbackInterval())
                    .initialHealthCheckPolicy(p.getInitialHealthCheckPolicy())
                    .commandTimeout(p.getCommandTimeout())
                    .connectTimeout(p.getConnectTimeout())
                    .stallThreshold(p.getStallThreshold())
                    .busyBudget(p.getBusyBudget());
            customizer.accept(builder);
            if (hc.getLagAware().isEnabled()) {
                builder.healthCheck(lagAware(prefix + "health-check.lag-aware.", hc.getLagAware()));
            }
            return builder.build();
        } catch (IllegalArgumentException e) {
            throw translate(e, fields, prefix);
        }
    }

    private static DatabaseConfig database(String prefix, MultiDbProperties.Database d) {
        Map<String, Property> fields = new HashMap<>();
        put(fields, "fromUrl", prefix + "url", d.getUrl());
        put(fields, "weight", prefix + "weight", d.getWeight());
        put(fields, "gracePeriod", prefix + "grace-period", d.getGracePeriod());
        put(fields, "name", prefix + "name", d.getName());
        put(fields, "healthCheckUrl", prefix + "health-check-url", d.getHealthCheckUrl());
        put(fields, "username", prefix + "username", d.getUsername());
        // "one of fromUrl, ..." and "the database has no host" are about the URL too.
        put(fields, "one", prefix + "url", d.getUrl());
        put(fields, "the", prefix + "url", d.getUrl());
        if (d.getUrl() == null || d.getUrl().isBlank()) {
            throw new InvalidConfigurationPropertyValueException(prefix + "url", d.getUrl(),
                    "every database needs a Redis URL, e.g. redis://localhost:6379");
        }
        try {
            DatabaseConfig.Builder b = DatabaseConfig.builder().fromUrl(d.getUrl()).weight(d.getWeight())
                    .gracePeriod(d.getGracePeriod()).name(d.getName()).healthCheckUrl(d.getHealthCheckUrl());
            if (d.getUsername() != null) {
                b.username(d.getUsername());
            }
            if (d.getPassword() != null) {
                b.password(d.getPassword());
            }
            return b.build();
        } catch (IllegalArgumentException e) {
            throw translate(e, fields, prefix);
        }
    }

    private static LagAwareHealthCheck lagAware(String prefix, MultiDbProperties.LagAware l) {
        Map<String, Property> fields = new HashMap<>();
        put(fields, "lagTolerance", prefix + "lag-tolerance", l.getLagTolerance());
        put(fields, "httpTimeout", prefix + "http-timeout", l.getHttpTimeout());
        put(fields, "restApiPort", prefix + "rest-api-port", l.getRestApiPort());
        try {
            LagAwareHealthCheck.Builder b = LagAwareHealthCheck.builder().lagTolerance(l.getLagTolerance())
                    .httpTimeout(l.getHttpTimeout()).verifyTls(l.isVerifyTls());
            if (l.getRestApiPort() != null) {
                b.restApiPort(l.getRestApiPort());
            }
            if (l.getUsername() != null) {
                b.basicAuth(l.getUsername(), l.getPassword() == null ? "" : l.getPassword());
            }
            return b.build();
        } catch (IllegalArgumentException e) {
            throw translate(e, fields, prefix);
        }
    }

    private static void put(Map<String, Property> fields, String field, String property, Object value) {
        fields.put(field, new Property(property, value));
    }

    /**
     * multidb's messages start with the field they are about; the property is found from it.
     * A password never reaches the report: it is not among the fields.
     */
    private static RuntimeException translate(IllegalArgumentException e, Map<String, Property> fields, String prefix) {
        String message = e.getMessage() == null ? "" : e.getMessage();
        String first = message.split("[ :]", 2)[0];
        Property property = fields.get(first);
        if (property == null) {
            return new IllegalArgumentException("invalid " + prefix + "* configuration: " + message, e);
        }
        Object value = property.value() instanceof String s && property.name().endsWith(".url") ? mask(s) : property.value();
        return new InvalidConfigurationPropertyValueException(property.name(), value, message);
    }

    /** A URL in a report without its password. */
    private static String mask(String url) {
        return url.replaceAll("(://[^:/@]*:)[^@/]*@", "$1****@");
    }
}
