package dev.multidb;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

import io.lettuce.core.resource.ClientResources;

import dev.multidb.detect.FailureDetector;
import dev.multidb.failover.FailoverStrategy;
import dev.multidb.failover.WeightBasedFailoverStrategy;
import dev.multidb.health.EchoHealthCheck;
import dev.multidb.health.HealthCheck;
import dev.multidb.health.HealthCheckPolicy;
import dev.multidb.health.InitialHealthCheckPolicy;

/**
 * Configuration of a {@link MultiDbClient}: its member databases and how it checks, detects, fails
 * over, retries and falls back. Immutable; built with {@link #builder()}, validated in
 * {@link Builder#build()} with messages that name the field and the value.
 *
 * <p>Every default is a constant of this class; the README lists them with the reasons.
 */
public final class MultiDbConfig {

    /** Health checks run every 5 s per database (reference). */
    public static final Duration DEFAULT_HEALTH_CHECK_INTERVAL = Duration.ofSeconds(5);
    /** 3 probes per health check (reference). */
    public static final int DEFAULT_HEALTH_CHECK_PROBES = 3;
    /** 0.5 s between probes (reference). */
    public static final Duration DEFAULT_HEALTH_CHECK_DELAY = Duration.ofMillis(500);
    /**
     * 500 ms for one probe. Shorter than the reference (3 s for all probes) so that a frozen
     * database is left within the 1 s command timeout: a database that cannot ECHO within half a
     * second cannot serve 1 s commands either.
     */
    public static final Duration DEFAULT_HEALTH_CHECK_TIMEOUT = Duration.ofMillis(500);
    public static final HealthCheckPolicy DEFAULT_HEALTH_CHECK_POLICY = HealthCheckPolicy.HEALTHY_ALL;
    /** 1000 failures… (reference). */
    public static final int DEFAULT_MIN_NUM_FAILURES = 1000;
    /** …AND 10 % of commands… (reference). */
    public static final double DEFAULT_FAILURE_RATE_THRESHOLD = 0.10;
    /** …within a 2 s sliding window (reference). */
    public static final Duration DEFAULT_FAILURES_DETECTION_WINDOW = Duration.ofSeconds(2);
    /** 10 failover attempts… (reference). */
    public static final int DEFAULT_FAILOVER_ATTEMPTS = 10;
    /** …12 s apart: TemporaryUnavailable for 120 s, then NoValidDatabase (reference). */
    public static final Duration DEFAULT_FAILOVER_DELAY = Duration.ofSeconds(12);
    /** Try to fall back to a higher-weight database every 120 s (the existing clients' value). */
    public static final Duration DEFAULT_AUTO_FALLBACK_INTERVAL = Duration.ofSeconds(120);
    public static final InitialHealthCheckPolicy DEFAULT_INITIAL_HEALTH_CHECK_POLICY = InitialHealthCheckPolicy.ALL_AVAILABLE;
    /**
     * 1 s per command attempt. Lettuce's own 60 s would hold a caller for a minute on a frozen
     * database; 1 s leaves room for cross-region round trips and still fails over in seconds.
     */
    public static final Duration DEFAULT_COMMAND_TIMEOUT = Duration.ofSeconds(1);
    /** 1 s to open a TCP (and TLS) connection. */
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(1);
    /**
     * When commands on the active database have waited this long with no reply at all, its
     * health is checked at once (DESIGN rule 3) instead of waiting for the command timeout.
     */
    public static final Duration DEFAULT_STALL_THRESHOLD = Duration.ofMillis(250);
    public static final RetryPolicy DEFAULT_RETRY_POLICY = RetryPolicy.SAFE;
    /**
     * 3 s: how long a server that acknowledges health probes at TCP level but does not answer them
     * (busy running a long script, a big DEL or FLUSHALL, a fork) is tolerated before traffic
     * moves away (DESIGN rule 3). Long enough that a 2 s script moves no traffic even when its
     * first unanswered probe comes at once; short enough to leave a stopped process (which looks
     * the same) within about 4 s, before Redis itself starts answering BUSY (5 s by default).
     */
    public static final Duration DEFAULT_BUSY_BUDGET = Duration.ofSeconds(3);

    private final List<DatabaseConfig> databases;
    private final CommandRetry commandRetry;
    private final RetryPolicy retryPolicy;
    private final List<HealthCheck> healthChecks;
    private final Duration healthCheckInterval;
    private final int healthCheckProbes;
    private final Duration healthCheckDelay;
    private final Duration healthCheckTimeout;
    private final HealthCheckPolicy healthCheckPolicy;
    private final List<FailureDetector> failureDetectors;
    private final int minNumFailures;
    private final double failureRateThreshold;
    private final Duration failuresDetectionWindow;
    private final FailoverStrategy failoverStrategy;
    private final int failoverAttempts;
    private final Duration failoverDelay;
    private final Duration autoFallbackInterval;
    private final InitialHealthCheckPolicy initialHealthCheckPolicy;
    private final Duration commandTimeout;
    private final Duration connectTimeout;
    private final Duration stallThreshold;
    private final Duration busyBudget;
    private final ClientResources clientResources;
    private final Map<Class<? extends MultiDbEvent>, List<Consumer<? super MultiDbEvent>>> listeners;

    private MultiDbConfig(Builder b) {
        this.databases = List.copyOf(b.databases);
        this.commandRetry = b.commandRetry;
        this.retryPolicy = b.retryPolicy;
        List<HealthCheck> checks = new ArrayList<>();
        if (b.defaultHealthCheck) {
            checks.add(new EchoHealthCheck(b.healthCheckTimeout.multipliedBy(3).dividedBy(5)));
        }
        checks.addAll(b.healthChecks);
        this.healthChecks = List.copyOf(checks);
        this.healthCheckInterval = b.healthCheckInterval;
        this.healthCheckProbes = b.healthCheckProbes;
        this.healthCheckDelay = b.healthCheckDelay;
        this.healthCheckTimeout = b.healthCheckTimeout;
        this.healthCheckPolicy = b.healthCheckPolicy;
        this.failureDetectors = List.copyOf(b.failureDetectors);
        this.minNumFailures = b.minNumFailures;
        this.failureRateThreshold = b.failureRateThreshold;
        this.failuresDetectionWindow = b.failuresDetectionWindow;
        this.failoverStrategy = b.failoverStrategy;
        this.failoverAttempts = b.failoverAttempts;
        this.failoverDelay = b.failoverDelay;
        this.autoFallbackInterval = b.autoFallbackInterval;
        this.initialHealthCheckPolicy = b.initialHealthCheckPolicy;
        this.commandTimeout = b.commandTimeout;
        this.connectTimeout = b.connectTimeout;
        this.stallThreshold = b.stallThreshold;
        this.busyBudget = b.busyBudget;
        this.clientResources = b.clientResources;
        Map<Class<? extends MultiDbEvent>, List<Consumer<? super MultiDbEvent>>> copy = new HashMap<>();
        b.listeners.forEach((type, list) -> copy.put(type, List.copyOf(list)));
        this.listeners = Map.copyOf(copy);
    }

    public static Builder builder() {
        return new Builder();
    }

    public List<DatabaseConfig> databases() { return databases; }
    public CommandRetry commandRetry() { return commandRetry; }
    public RetryPolicy retryPolicy() { return retryPolicy; }
    /** The health checks, the default ECHO check first unless disabled. */
    public List<HealthCheck> healthChecks() { return healthChecks; }
    public Duration healthCheckInterval() { return healthCheckInterval; }
    public int healthCheckProbes() { return healthCheckProbes; }
    public Duration healthCheckDelay() { return healthCheckDelay; }
    public Duration healthCheckTimeout() { return healthCheckTimeout; }
    public HealthCheckPolicy healthCheckPolicy() { return healthCheckPolicy; }
    /** Failure detectors in addition to the default {@code CommandFailureDetector}. */
    public List<FailureDetector> failureDetectors() { return failureDetectors; }
    public int minNumFailures() { return minNumFailures; }
    public double failureRateThreshold() { return failureRateThreshold; }
    public Duration failuresDetectionWindow() { return failuresDetectionWindow; }
    public FailoverStrategy failoverStrategy() { return failoverStrategy; }
    public int failoverAttempts() { return failoverAttempts; }
    public Duration failoverDelay() { return failoverDelay; }
    /** {@link Duration#ZERO} when auto fallback is off. */
    public Duration autoFallbackInterval() { return autoFallbackInterval; }
    public InitialHealthCheckPolicy initialHealthCheckPolicy() { return initialHealthCheckPolicy; }
    public Duration commandTimeout() { return commandTimeout; }
    public Duration connectTimeout() { return connectTimeout; }
    public Duration stallThreshold() { return stallThreshold; }
    /** How long a busy server (it acknowledges but does not answer) is tolerated; ZERO: not at all. */
    public Duration busyBudget() { return busyBudget; }
    /** Lettuce resources shared by all member connections, or {@code null} to let the client own its own. */
    public ClientResources clientResources() { return clientResources; }
    public Map<Class<? extends MultiDbEvent>, List<Consumer<? super MultiDbEvent>>> listeners() { return listeners; }

    /** Builds a {@link MultiDbConfig}. Every field has a default but the databases. */
    public static final class Builder {
        private final List<DatabaseConfig> databases = new ArrayList<>();
        private CommandRetry commandRetry = CommandRetry.DEFAULT;
        private RetryPolicy retryPolicy = DEFAULT_RETRY_POLICY;
        private final List<HealthCheck> healthChecks = new ArrayList<>();
        private boolean defaultHealthCheck = true;
        private Duration healthCheckInterval = DEFAULT_HEALTH_CHECK_INTERVAL;
        private int healthCheckProbes = DEFAULT_HEALTH_CHECK_PROBES;
        private Duration healthCheckDelay = DEFAULT_HEALTH_CHECK_DELAY;
        private Duration healthCheckTimeout = DEFAULT_HEALTH_CHECK_TIMEOUT;
        private HealthCheckPolicy healthCheckPolicy = DEFAULT_HEALTH_CHECK_POLICY;
        private final List<FailureDetector> failureDetectors = new ArrayList<>();
        private int minNumFailures = DEFAULT_MIN_NUM_FAILURES;
        private double failureRateThreshold = DEFAULT_FAILURE_RATE_THRESHOLD;
        private Duration failuresDetectionWindow = DEFAULT_FAILURES_DETECTION_WINDOW;
        private FailoverStrategy failoverStrategy = new WeightBasedFailoverStrategy();
        private int failoverAttempts = DEFAULT_FAILOVER_ATTEMPTS;
        private Duration failoverDelay = DEFAULT_FAILOVER_DELAY;
        private Duration autoFallbackInterval = DEFAULT_AUTO_FALLBACK_INTERVAL;
        private InitialHealthCheckPolicy initialHealthCheckPolicy = DEFAULT_INITIAL_HEALTH_CHECK_POLICY;
        private Duration commandTimeout = DEFAULT_COMMAND_TIMEOUT;
        private Duration connectTimeout = DEFAULT_CONNECT_TIMEOUT;
        private Duration stallThreshold = DEFAULT_STALL_THRESHOLD;
        private Duration busyBudget = DEFAULT_BUSY_BUDGET;
        private ClientResources clientResources;
        private final Map<Class<? extends MultiDbEvent>, List<Consumer<? super MultiDbEvent>>> listeners = new HashMap<>();

        private Builder() {
        }

        /** Adds a member database. */
        public Builder database(DatabaseConfig database) {
            databases.add(Config.requireNonNull("database", database));
            return this;
        }

        /** Adds member databases. */
        public Builder databases(List<DatabaseConfig> databases) {
            Config.requireNonNull("databases", databases).forEach(this::database);
            return this;
        }

        /** Retry count and backoff at the multi-database layer. Default {@link CommandRetry#DEFAULT}. */
        public Builder commandRetry(CommandRetry commandRetry) {
            this.commandRetry = commandRetry;
            return this;
        }

        /** Which commands may be retried after they may have reached the server. Default SAFE. */
        public Builder retryPolicy(RetryPolicy retryPolicy) {
            this.retryPolicy = retryPolicy;
            return this;
        }

        /** Adds health checks, run in addition to the default ECHO check. */
        public Builder healthChecks(List<? extends HealthCheck> checks) {
            Config.requireNonNull("healthChecks", checks).forEach(this::healthCheck);
            return this;
        }

        /** Adds a health check, run in addition to the default ECHO check. */
        public Builder healthCheck(HealthCheck check) {
            healthChecks.add(Config.requireNonNull("healthCheck", check));
            return this;
        }

        /** Whether the default ECHO check runs (default {@code true}); turn it off to rely on your own checks only. */
        public Builder defaultHealthCheck(boolean enabled) {
            this.defaultHealthCheck = enabled;
            return this;
        }

        public Builder healthCheckInterval(Duration interval) {
            this.healthCheckInterval = interval;
            return this;
        }

        public Builder healthCheckProbes(int probes) {
            this.healthCheckProbes = probes;
            return this;
        }

        /** Pause between two probes of one health check. */
        public Builder healthCheckDelay(Duration delay) {
            this.healthCheckDelay = delay;
            return this;
        }

        /** Timeout of one probe (all checks of the probe together). */
        public Builder healthCheckTimeout(Duration timeout) {
            this.healthCheckTimeout = timeout;
            return this;
        }

        public Builder healthCheckPolicy(HealthCheckPolicy policy) {
            this.healthCheckPolicy = policy;
            return this;
        }

        /** Adds failure detectors, run in addition to the default {@code CommandFailureDetector}. */
        public Builder failureDetectors(List<? extends FailureDetector> detectors) {
            Config.requireNonNull("failureDetectors", detectors).forEach(this::failureDetector);
            return this;
        }

        public Builder failureDetector(FailureDetector detector) {
            failureDetectors.add(Config.requireNonNull("failureDetector", detector));
            return this;
        }

        public Builder minNumFailures(int minNumFailures) {
            this.minNumFailures = minNumFailures;
            return this;
        }

        /** Fraction in (0, 1] of failed commands in the window. */
        public Builder failureRateThreshold(double rate) {
            this.failureRateThreshold = rate;
            return this;
        }

        public Builder failuresDetectionWindow(Duration window) {
            this.failuresDetectionWindow = window;
            return this;
        }

        public Builder failoverStrategy(FailoverStrategy strategy) {
            this.failoverStrategy = strategy;
            return this;
        }

        public Builder failoverAttempts(int attempts) {
            this.failoverAttempts = attempts;
            return this;
        }

        public Builder failoverDelay(Duration delay) {
            this.failoverDelay = delay;
            return this;
        }

        /** How often to try falling back to a higher-weight database; {@link Duration#ZERO} disables it. */
        public Builder autoFallbackInterval(Duration interval) {
            this.autoFallbackInterval = interval;
            return this;
        }

        public Builder initialHealthCheckPolicy(InitialHealthCheckPolicy policy) {
            this.initialHealthCheckPolicy = policy;
            return this;
        }

        /** Timeout of one command attempt on one database. Default 1 s. */
        public Builder commandTimeout(Duration timeout) {
            this.commandTimeout = timeout;
            return this;
        }

        public Builder connectTimeout(Duration timeout) {
            this.connectTimeout = timeout;
            return this;
        }

        /** How long replies may stall on the active database before its health is checked at once. Default 250 ms. */
        public Builder stallThreshold(Duration threshold) {
            this.stallThreshold = threshold;
            return this;
        }

        /**
         * How long a server that is alive but busy is tolerated before traffic moves away: its TCP
         * stack acknowledges the health probes, but it does not answer them (a long script, a big
         * DEL, a fork). A dead host or a cut network acknowledges nothing and is left at once. A
         * stopped process (SIGSTOP) looks busy and is left when the budget runs out. Needs Linux
         * (the evidence is read from {@code /proc/net/tcp}); elsewhere, and for Redis Cluster
         * members, an unanswered probe is a failure as before. {@code Duration.ZERO} tolerates no
         * busy server at all. Default 3 s.
         */
        public Builder busyBudget(Duration budget) {
            this.busyBudget = budget;
            return this;
        }

        /** Share these Lettuce resources (event loops, timers); the client then does not shut them down. */
        public Builder clientResources(ClientResources resources) {
            this.clientResources = resources;
            return this;
        }

        /** Registers a listener for one event type (and its subtypes) from the start. */
        @SuppressWarnings("unchecked")
        public <E extends MultiDbEvent> Builder listener(Class<E> type, Consumer<? super E> listener) {
            Config.requireNonNull("listener type", type);
            Config.requireNonNull("listener", listener);
            listeners.computeIfAbsent(type, t -> new ArrayList<>()).add((Consumer<? super MultiDbEvent>) listener);
            return this;
        }

        public MultiDbConfig build() {
            if (databases.isEmpty()) {
                throw new IllegalArgumentException("databases must not be empty: add at least one with database(...)");
            }
            Set<String> endpoints = new HashSet<>();
            Set<String> names = new HashSet<>();
            for (DatabaseConfig db : databases) {
                if (!endpoints.add(db.endpoint())) {
                    throw new IllegalArgumentException("databases contains the endpoint " + Masking.mask(db.uri()) + " twice");
                }
                if (!names.add(db.name())) {
                    throw new IllegalArgumentException("databases contains the name '" + db.name() + "' twice");
                }
            }
            Config.requireNonNull("commandRetry", commandRetry);
            Config.requireNonNull("retryPolicy", retryPolicy);
            Config.requirePositive("healthCheckInterval", healthCheckInterval);
            Config.requireAtLeast("healthCheckProbes", healthCheckProbes, 1);
            Config.requireNonNegative("healthCheckDelay", healthCheckDelay);
            Config.requirePositive("healthCheckTimeout", healthCheckTimeout);
            Config.requireNonNull("healthCheckPolicy", healthCheckPolicy);
            if (!defaultHealthCheck && healthChecks.isEmpty()) {
                throw new IllegalArgumentException("healthChecks must not be empty when the default health check is disabled");
            }
            Config.requireAtLeast("minNumFailures", minNumFailures, 1);
            if (!(failureRateThreshold > 0 && failureRateThreshold <= 1)) {
                throw new IllegalArgumentException("failureRateThreshold must be in (0, 1], was " + failureRateThreshold);
            }
            Config.requirePositive("failuresDetectionWindow", failuresDetectionWindow);
            Config.requireNonNull("failoverStrategy", failoverStrategy);
            Config.requireAtLeast("failoverAttempts", failoverAttempts, 1);
            Config.requireNonNegative("failoverDelay", failoverDelay);
            Config.requireNonNegative("autoFallbackInterval", autoFallbackInterval);
            Config.requireNonNull("initialHealthCheckPolicy", initialHealthCheckPolicy);
            Config.requirePositive("commandTimeout", commandTimeout);
            Config.requirePositive("connectTimeout", connectTimeout);
            Config.requirePositive("stallThreshold", stallThreshold);
            Config.requireNonNegative("busyBudget", busyBudget);
            MultiDbConfig config = new MultiDbConfig(this);
            ConfigWarnings.log(config);
            return config;
        }
    }
}
