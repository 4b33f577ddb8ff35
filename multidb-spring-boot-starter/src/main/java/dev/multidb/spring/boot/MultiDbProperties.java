package dev.multidb.spring.boot;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.springframework.boot.context.properties.ConfigurationProperties;

import dev.multidb.CommandRetry;
import dev.multidb.DatabaseConfig;
import dev.multidb.MultiDbConfig;
import dev.multidb.RetryPolicy;
import dev.multidb.health.HealthCheckPolicy;
import dev.multidb.health.InitialHealthCheckPolicy;
import dev.multidb.health.LagAwareHealthCheck;

/**
 * Configuration of the application's multidb client, under {@code multidb.*}. Every default is
 * multidb's own ({@link MultiDbConfig} and {@link DatabaseConfig} constants).
 */
@ConfigurationProperties(prefix = MultiDbProperties.PREFIX)
public class MultiDbProperties {

    /** The prefix of every property. */
    public static final String PREFIX = "multidb";

    /** Whether multidb replaces Spring Boot's Redis connection factory. */
    private boolean enabled = true;

    /** The member databases, at least one. */
    private List<Database> databases = new ArrayList<>();

    /** Timeout of one command attempt on one database. */
    private Duration commandTimeout = MultiDbConfig.DEFAULT_COMMAND_TIMEOUT;

    /** Timeout of opening a TCP (and TLS) connection. */
    private Duration connectTimeout = MultiDbConfig.DEFAULT_CONNECT_TIMEOUT;

    /** How long replies may stall on the active database before its health is checked at once. */
    private Duration stallThreshold = MultiDbConfig.DEFAULT_STALL_THRESHOLD;

    /** How long a server that is alive but busy (TCP acknowledges, no answer) is tolerated before traffic moves away. */
    private Duration busyBudget = MultiDbConfig.DEFAULT_BUSY_BUDGET;

    /** How many databases must pass their first health check for start-up to succeed. */
    private InitialHealthCheckPolicy initialHealthCheckPolicy = MultiDbConfig.DEFAULT_INITIAL_HEALTH_CHECK_POLICY;

    private final HealthCheck healthCheck = new HealthCheck();

    private final FailureDetection failureDetection = new FailureDetection();

    private final Failover failover = new Failover();

    private final Retry retry = new Retry();

    private final Metrics metrics = new Metrics();

    public boolean isEnabled() { return enabled; }
    public void setEnabled(boolean enabled) { this.enabled = enabled; }
    public List<Database> getDatabases() { return databases; }
    public void setDatabases(List<Database> databases) { this.databases = databases; }
    public Duration getCommandTimeout() { return commandTimeout; }
    public void setCommandTimeout(Duration commandTimeout) { this.commandTimeout = commandTimeout; }
    public Duration getConnectTimeout() { return connectTimeout; }
    public void setConnectTimeout(Duration connectTimeout) { this.connectTimeout = connectTimeout; }
    public Duration getStallThreshold() { return stallThreshold; }
    public void setStallThreshold(Duration stallThreshold) { this.stallThreshold = stallThreshold; }
    public Duration getBusyBudget() { return busyBudget; }
    public void setBusyBudget(Duration busyBudget) { this.busyBudget = busyBudget; }
    public InitialHealthCheckPolicy getInitialHealthCheckPolicy() { return initialHealthCheckPolicy; }
    public void setInitialHealthCheckPolicy(InitialHealthCheckPolicy policy) { this.initialHealthCheckPolicy = policy; }
    public HealthCheck getHealthCheck() { return healthCheck; }
    public FailureDetection getFailureDetection() { return failureDetection; }
    public Failover getFailover() { return failover; }
    public Retry getRetry() { return retry; }
    public Metrics getMetrics() { return metrics; }

    /** One member database. */
    public static class Database {

        /**
         * Redis URL: redis://[user:password@]host[:port][/db] or rediss://... Credentials are
         * better given by the username and password properties (from the environment).
         */
        private String url;

        /** Name shown in events, metrics and health; defaults to host:port. */
        private String name;

        /** Weight: traffic goes to the heaviest healthy database. */
        private double weight = DatabaseConfig.DEFAULT_WEIGHT;

        /** How long a database that failed stays out of rotation before it may be used again. */
        private Duration gracePeriod = DatabaseConfig.DEFAULT_GRACE_PERIOD;

        /** Redis Enterprise REST API base URL, for the lag-aware health check. */
        private String healthCheckUrl;

        /** User name, added to the URL's (e.g. from MULTIDB_DATABASES_0_USERNAME). */
        private String username;

        /** Password, added to the URL's (e.g. from MULTIDB_DATABASES_0_PASSWORD). */
        private String password;

        public String getUrl() { return url; }
        public void setUrl(String url) { this.url = url; }
        public String getName() { return name; }
        public void setName(String name) { this.name = name; }
        public double getWeight() { return weight; }
        public void setWeight(double weight) { this.weight = weight; }
        public Duration getGracePeriod() { return gracePeriod; }
        public void setGracePeriod(Duration gracePeriod) { this.gracePeriod = gracePeriod; }
        public String getHealthCheckUrl() { return healthCheckUrl; }
        public void setHealthCheckUrl(String healthCheckUrl) { this.healthCheckUrl = healthCheckUrl; }
        public String getUsername() { return username; }
        public void setUsername(String username) { this.username = username; }
        public String getPassword() { return password; }
        public void setPassword(String password) { this.password = password; }
    }

    /** Health checks of every database. */
    public static class HealthCheck {

        /** Time between two health checks of one database. */
        private Duration interval = MultiDbConfig.DEFAULT_HEALTH_CHECK_INTERVAL;

        /** Probes per health check. */
        private int probes = MultiDbConfig.DEFAULT_HEALTH_CHECK_PROBES;

        /** Pause between two probes of one health check. */
        private Duration delay = MultiDbConfig.DEFAULT_HEALTH_CHECK_DELAY;

        /** Timeout of one probe. */
        private Duration timeout = MultiDbConfig.DEFAULT_HEALTH_CHECK_TIMEOUT;

        /** How many probes must pass: healthy-all, healthy-majority or healthy-any. */
        private HealthCheckPolicy policy = MultiDbConfig.DEFAULT_HEALTH_CHECK_POLICY;

        private final LagAware lagAware = new LagAware();

        public Duration getInterval() { return interval; }
        public void setInterval(Duration interval) { this.interval = interval; }
        public int getProbes() { return probes; }
        public void setProbes(int probes) { this.probes = probes; }
        public Duration getDelay() { return delay; }
        public void setDelay(Duration delay) { this.delay = delay; }
        public Duration getTimeout() { return timeout; }
        public void setTimeout(Duration timeout) { this.timeout = timeout; }
        public HealthCheckPolicy getPolicy() { return policy; }
        public void setPolicy(HealthCheckPolicy policy) { this.policy = policy; }
        public LagAware getLagAware() { return lagAware; }
    }

    /** Redis Enterprise's lag-aware health check, through each database's health-check-url. */
    public static class LagAware {

        /** Whether the lag-aware check runs (in addition to the ECHO check). */
        private boolean enabled;

        /** Largest Active-Active replication lag still healthy. */
        private Duration lagTolerance = LagAwareHealthCheck.DEFAULT_LAG_TOLERANCE;

        /** Timeout of one REST API request. */
        private Duration httpTimeout = LagAwareHealthCheck.DEFAULT_HTTP_TIMEOUT;

        /** REST API port when the health-check URL names none. */
        private Integer restApiPort;

        /** Whether the REST API's TLS certificate is verified. */
        private boolean verifyTls = true;

        /** REST API user name (basic auth). */
        private String username;

        /** REST API password (basic auth). */
        private String password;

        public boolean isEnabled() { return enabled; }
        public void setEnabled(boolean enabled) { this.enabled = enabled; }
        public Duration getLagTolerance() { return lagTolerance; }
        public void setLagTolerance(Duration lagTolerance) { this.lagTolerance = lagTolerance; }
        public Duration getHttpTimeout() { return httpTimeout; }
        public void setHttpTimeout(Duration httpTimeout) { this.httpTimeout = httpTimeout; }
        public Integer getRestApiPort() { return restApiPort; }
        public void setRestApiPort(Integer restApiPort) { this.restApiPort = restApiPort; }
        public boolean isVerifyTls() { return verifyTls; }
        public void setVerifyTls(boolean verifyTls) { this.verifyTls = verifyTls; }
        public String getUsername() { return username; }
        public void setUsername(String username) { this.username = username; }
        public String getPassword() { return password; }
        public void setPassword(String password) { this.password = password; }
    }

    /** Failure detection from real traffic (a sliding window). */
    public static class FailureDetection {

        /** Failed commands in the window needed to trip, together with the rate threshold. */
        private int minNumFailures = MultiDbConfig.DEFAULT_MIN_NUM_FAILURES;

        /** Fraction in (0, 1] of failed commands in the window needed to trip. */
        private double failureRateThreshold = MultiDbConfig.DEFAULT_FAILURE_RATE_THRESHOLD;

        /** Length of the sliding window. */
        private Duration window = MultiDbConfig.DEFAULT_FAILURES_DETECTION_WINDOW;

        public int getMinNumFailures() { return minNumFailures; }
        public void setMinNumFailures(int minNumFailures) { this.minNumFailures = minNumFailures; }
        public double getFailureRateThreshold() { return failureRateThreshold; }
        public void setFailureRateThreshold(double rate) { this.failureRateThreshold = rate; }
        public Duration getWindow() { return window; }
        public void setWindow(Duration window) { this.window = window; }
    }

    /** Failover and fallback. */
    public static class Failover {

        /** How many times to look for a usable database while none is, before NoValidDatabase. */
        private int attempts = MultiDbConfig.DEFAULT_FAILOVER_ATTEMPTS;

        /** Time between two such attempts. */
        private Duration delay = MultiDbConfig.DEFAULT_FAILOVER_DELAY;

        /** How often to fall back to a heavier database that recovered; 0 disables fallback. */
        private Duration autoFallbackInterval = MultiDbConfig.DEFAULT_AUTO_FALLBACK_INTERVAL;

        public int getAttempts() { return attempts; }
        public void setAttempts(int attempts) { this.attempts = attempts; }
        public Duration getDelay() { return delay; }
        public void setDelay(Duration delay) { this.delay = delay; }
        public Duration getAutoFallbackInterval() { return autoFallbackInterval; }
        public void setAutoFallbackInterval(Duration interval) { this.autoFallbackInterval = interval; }
    }

    /** Retries at the multi-database layer. */
    public static class Retry {

        /** Which failed commands may be sent again: safe, idempotent, always or never. */
        private RetryPolicy policy = MultiDbConfig.DEFAULT_RETRY_POLICY;

        /** How many times a command may be sent again after its first attempt. */
        private int retries = CommandRetry.DEFAULT.retries();

        /** The backoff before the first retry is drawn from [0, base]. */
        private Duration base = CommandRetry.DEFAULT.base();

        /** The largest backoff. */
        private Duration cap = CommandRetry.DEFAULT.cap();

        public RetryPolicy getPolicy() { return policy; }
        public void setPolicy(RetryPolicy policy) { this.policy = policy; }
        public int getRetries() { return retries; }
        public void setRetries(int retries) { this.retries = retries; }
        public Duration getBase() { return base; }
        public void setBase(Duration base) { this.base = base; }
        public Duration getCap() { return cap; }
        public void setCap(Duration cap) { this.cap = cap; }
    }

    /** Micrometer meters. */
    public static class Metrics {

        /** Whether multidb's meters are bound to the application's MeterRegistry. */
        private boolean enabled = true;

        public boolean isEnabled() { return enabled; }
        public void setEnabled(boolean enabled) { this.enabled = enabled; }
    }
}
