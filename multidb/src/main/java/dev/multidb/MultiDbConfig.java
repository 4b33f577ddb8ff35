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
    /** Every probe of a health check must pass (reference). */
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
    /** Every database must pass its first health check for the client to start (reference). */
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
    /** Retry only what cannot be applied twice or late: see {@link RetryPolicy#SAFE}. */
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

    /** {@return a new builder; not thread-safe, one thread builds a config} */
    public static Builder builder() {
        return new Builder();
    }

    /** {@return the member databases, in the order they were added} */
    public List<DatabaseConfig> databases() { return databases; }
    /** {@return the retry count and backoff at the multi-database layer} */
    public CommandRetry commandRetry() { return commandRetry; }
    /** {@return which commands may be retried after they may have reached the server} */
    public RetryPolicy retryPolicy() { return retryPolicy; }
    /** {@return the health checks, the default ECHO check first unless disabled} */
    public List<HealthCheck> healthChecks() { return healthChecks; }
    /** {@return how often each database is health-checked} */
    public Duration healthCheckInterval() { return healthCheckInterval; }
    /** {@return how many probes one health check makes at most} */
    public int healthCheckProbes() { return healthCheckProbes; }
    /** {@return the pause between two probes of one health check} */
    public Duration healthCheckDelay() { return healthCheckDelay; }
    /** {@return the timeout of one probe (all checks of the probe together)} */
    public Duration healthCheckTimeout() { return healthCheckTimeout; }
    /** {@return how the probes of one health check make a verdict} */
    public HealthCheckPolicy healthCheckPolicy() { return healthCheckPolicy; }
    /** {@return the failure detectors in addition to the default {@code CommandFailureDetector}} */
    public List<FailureDetector> failureDetectors() { return failureDetectors; }
    /** {@return how many failed commands in the window the default detector needs to trip} */
    public int minNumFailures() { return minNumFailures; }
    /** {@return the fraction of failed commands in the window the default detector needs to trip} */
    public double failureRateThreshold() { return failureRateThreshold; }
    /** {@return the length of the default detector's sliding window} */
    public Duration failuresDetectionWindow() { return failuresDetectionWindow; }
    /** {@return the strategy that picks the database to fail over to} */
    public FailoverStrategy failoverStrategy() { return failoverStrategy; }
    /** {@return how many failover delays the client waits for a usable database before NoValidDatabase} */
    public int failoverAttempts() { return failoverAttempts; }
    /** {@return the length of one failover attempt} */
    public Duration failoverDelay() { return failoverDelay; }
    /** {@return how often the client tries to fall back to a higher-weight database; {@link Duration#ZERO} when auto fallback is off} */
    public Duration autoFallbackInterval() { return autoFallbackInterval; }
    /** {@return which databases must pass their first health check for the client to start} */
    public InitialHealthCheckPolicy initialHealthCheckPolicy() { return initialHealthCheckPolicy; }
    /** {@return the timeout of one command attempt on one database} */
    public Duration commandTimeout() { return commandTimeout; }
    /** {@return the timeout to open a TCP (and TLS) connection} */
    public Duration connectTimeout() { return connectTimeout; }
    /** {@return how long replies may stall on the active database before its health is checked at once} */
    public Duration stallThreshold() { return stallThreshold; }
    /** {@return how long a busy server (it acknowledges but does not answer) is tolerated; ZERO: not at all} */
    public Duration busyBudget() { return busyBudget; }
    /** {@return the Lettuce resources shared by all member connections, or {@code null} when the client owns its own} */
    public ClientResources clientResources() { return clientResources; }
    /** {@return the listeners registered from the start, by event type} */
    public Map<Class<? extends MultiDbEvent>, List<Consumer<? super MultiDbEvent>>> listeners() { return listeners; }

    /**
     * Builds a {@link MultiDbConfig}. Every field has a default but the databases. Every setter
     * returns this builder; values are checked by {@link #build()}. Not thread-safe.
     */
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

        /**
         * Adds a member database.
         *
         * @param database the database
         * @return this builder
         * @throws IllegalArgumentException if {@code database} is null
         */
        public Builder database(DatabaseConfig database) {
            databases.add(Config.requireNonNull("database", database));
            return this;
        }

        /**
         * Adds member databases.
         *
         * @param databases the databases, in order
         * @return this builder
         * @throws IllegalArgumentException if {@code databases} or one of them is null
         */
        public Builder databases(List<DatabaseConfig> databases) {
            Config.requireNonNull("databases", databases).forEach(this::database);
            return this;
        }

        /**
         * Retry count and backoff at the multi-database layer. Default {@link CommandRetry#DEFAULT}.
         *
         * @param commandRetry the retry settings
         * @return this builder
         */
        public Builder commandRetry(CommandRetry commandRetry) {
            this.commandRetry = commandRetry;
            return this;
        }

        /**
         * Which commands may be retried after they may have reached the server. Default
         * {@link RetryPolicy#SAFE}.
         *
         * @param retryPolicy the policy
         * @return this builder
         */
        public Builder retryPolicy(RetryPolicy retryPolicy) {
            this.retryPolicy = retryPolicy;
            return this;
        }

        /**
         * Adds health checks, run in addition to the default ECHO check.
         *
         * @param checks the checks
         * @return this builder
         * @throws IllegalArgumentException if {@code checks} or one of them is null
         */
        public Builder healthChecks(List<? extends HealthCheck> checks) {
            Config.requireNonNull("healthChecks", checks).forEach(this::healthCheck);
            return this;
        }

        /**
         * Adds a health check, run in addition to the default ECHO check.
         *
         * @param check the check
         * @return this builder
         * @throws IllegalArgumentException if {@code check} is null
         */
        public Builder healthCheck(HealthCheck check) {
            healthChecks.add(Config.requireNonNull("healthCheck", check));
            return this;
        }

        /**
         * Whether the default ECHO check runs (default {@code true}); turn it off to rely on your
         * own checks only (then at least one is required).
         *
         * @param enabled whether the ECHO check runs
         * @return this builder
         */
        public Builder defaultHealthCheck(boolean enabled) {
            this.defaultHealthCheck = enabled;
            return this;
        }

        /**
         * How often each database is health-checked. Default 5 s.
         *
         * @param interval positive
         * @return this builder
         */
        public Builder healthCheckInterval(Duration interval) {
            this.healthCheckInterval = interval;
            return this;
        }

        /**
         * How many probes one health check makes at most (it stops once the verdict is certain).
         * Default 3.
         *
         * @param probes 1 or more
         * @return this builder
         */
        public Builder healthCheckProbes(int probes) {
            this.healthCheckProbes = probes;
            return this;
        }

        /**
         * Pause between two probes of one health check. Default 0.5 s.
         *
         * @param delay zero or more
         * @return this builder
         */
        public Builder healthCheckDelay(Duration delay) {
            this.healthCheckDelay = delay;
            return this;
        }

        /**
         * Timeout of one probe (all checks of the probe together). Default 0.5 s.
         *
         * @param timeout positive
         * @return this builder
         */
        public Builder healthCheckTimeout(Duration timeout) {
            this.healthCheckTimeout = timeout;
            return this;
        }

        /**
         * How the probes of one health check make a verdict. Default
         * {@link HealthCheckPolicy#HEALTHY_ALL}.
         *
         * @param policy the policy
         * @return this builder
         */
        public Builder healthCheckPolicy(HealthCheckPolicy policy) {
            this.healthCheckPolicy = policy;
            return this;
        }

        /**
         * Adds failure detectors, run in addition to the default {@code CommandFailureDetector}.
         *
         * @param detectors the detectors
         * @return this builder
         * @throws IllegalArgumentException if {@code detectors} or one of them is null
         */
        public Builder failureDetectors(List<? extends FailureDetector> detectors) {
            Config.requireNonNull("failureDetectors", detectors).forEach(this::failureDetector);
            return this;
        }

        /**
         * Adds a failure detector, run in addition to the default {@code CommandFailureDetector}.
         *
         * @param detector the detector
         * @return this builder
         * @throws IllegalArgumentException if {@code detector} is null
         */
        public Builder failureDetector(FailureDetector detector) {
            failureDetectors.add(Config.requireNonNull("failureDetector", detector));
            return this;
        }

        /**
         * How many failed commands in the window the default detector needs to trip (together with
         * the rate). Default 1000.
         *
         * @param minNumFailures 1 or more
         * @return this builder
         */
        public Builder minNumFailures(int minNumFailures) {
            this.minNumFailures = minNumFailures;
            return this;
        }

        /**
         * The fraction of failed commands in the window the default detector needs to trip
         * (together with the count). Default 0.10.
         *
         * @param rate in (0, 1]
         * @return this builder
         */
        public Builder failureRateThreshold(double rate) {
            this.failureRateThreshold = rate;
            return this;
        }

        /**
         * The length of the default detector's sliding window. Default 2 s.
         *
         * @param window positive
         * @return this builder
         */
        public Builder failuresDetectionWindow(Duration window) {
            this.failuresDetectionWindow = window;
            return this;
        }

        /**
         * The strategy that picks the database to fail over to. Default
         * {@link WeightBasedFailoverStrategy}.
         *
         * @param strategy the strategy
         * @return this builder
         */
        public Builder failoverStrategy(FailoverStrategy strategy) {
            this.failoverStrategy = strategy;
            return this;
        }

        /**
         * With {@link #failoverDelay(Duration)}: while no database is usable, commands fail with
         * {@link TemporaryUnavailableException} for {@code attempts × delay} of wall-clock time,
         * then with {@link NoValidDatabaseException}. Default 10.
         *
         * @param attempts 1 or more
         * @return this builder
         */
        public Builder failoverAttempts(int attempts) {
            this.failoverAttempts = attempts;
            return this;
        }

        /**
         * The length of one failover attempt; see {@link #failoverAttempts(int)}. Default 12 s.
         *
         * @param delay zero or more
         * @return this builder
         */
        public Builder failoverDelay(Duration delay) {
            this.failoverDelay = delay;
            return this;
        }

        /**
         * How often to try falling back to a higher-weight database (with a little jitter).
         * Default 120 s.
         *
         * @param interval zero or more; {@link Duration#ZERO} disables auto fallback
         * @return this builder
         */
        public Builder autoFallbackInterval(Duration interval) {
            this.autoFallbackInterval = interval;
            return this;
        }

        /**
         * Which databases must pass their first health check for {@code create} to succeed.
         * Default {@link InitialHealthCheckPolicy#ALL_AVAILABLE}.
         *
         * @param policy the policy
         * @return this builder
         */
        public Builder initialHealthCheckPolicy(InitialHealthCheckPolicy policy) {
            this.initialHealthCheckPolicy = policy;
            return this;
        }

        /**
         * Timeout of one command attempt on one database; it also bounds the connection handshake.
         * Default 1 s.
         *
         * @param timeout positive
         * @return this builder
         */
        public Builder commandTimeout(Duration timeout) {
            this.commandTimeout = timeout;
            return this;
        }

        /**
         * Timeout to open a TCP (and TLS) connection. Default 1 s.
         *
         * @param timeout positive
         * @return this builder
         */
        public Builder connectTimeout(Duration timeout) {
            this.connectTimeout = timeout;
            return this;
        }

        /**
         * How long replies may stall on the active database before its health is checked at once.
         * Default 250 ms.
         *
         * @param threshold positive
         * @return this builder
         */
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
         *
         * @param budget zero or more
         * @return this builder
         */
        public Builder busyBudget(Duration budget) {
            this.busyBudget = budget;
            return this;
        }

        /**
         * Share these Lettuce resources (event loops, timers, DNS); the client then does not shut
         * them down. Default: the client creates and owns its own.
         *
         * @param resources the resources, or {@code null} for the client's own
         * @return this builder
         */
        public Builder clientResources(ClientResources resources) {
            this.clientResources = resources;
            return this;
        }

        /**
         * Registers a listener for one event type (and its subtypes) from the start. Listeners run
         * on the client's event thread, in order.
         *
         * @param <E>      the event type
         * @param type     the event type; {@link MultiDbEvent} for every event
         * @param listener the listener
         * @return this builder
         * @throws IllegalArgumentException if {@code type} or {@code listener} is null
         */
        @SuppressWarnings("unchecked")
        public <E extends MultiDbEvent> Builder listener(Class<E> type, Consumer<? super E> listener) {
            Config.requireNonNull("listener type", type);
            Config.requireNonNull("listener", listener);
            listeners.computeIfAbsent(type, t -> new ArrayList<>()).add((Consumer<? super MultiDbEvent>) listener);
            return this;
        }

        /**
         * Validates the settings and builds the config. Settings that defeat each other are
         * logged as WARNINGs.
         *
         * @return the config
         * @throws IllegalArgumentException naming the field and the value: no databases, a duplicate
         *         endpoint or name, a null setting, a non-positive interval or timeout, a negative
         *         delay or budget, fewer than 1 probe, failure or attempt, a rate outside (0, 1], no
         *         health check at all
         */
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
