package dev.multidb;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.api.reactive.RedisReactiveCommands;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.lettuce.core.resource.Transports;
import io.netty.channel.socket.SocketChannel;
import io.netty.resolver.AddressResolverGroup;
import io.netty.resolver.dns.DefaultDnsCache;
import io.netty.resolver.dns.DefaultDnsCnameCache;
import io.netty.resolver.dns.DnsAddressResolverGroup;
import io.netty.resolver.dns.DnsNameResolverBuilder;
import io.netty.resolver.dns.DnsNameResolverChannelStrategy;

import dev.multidb.circuit.CircuitBreaker;
import dev.multidb.circuit.CircuitState;
import dev.multidb.command.CommandRouter;
import dev.multidb.command.MultiDbClusterConnection;
import dev.multidb.command.MultiDbConnection;
import dev.multidb.command.Pipelines;
import dev.multidb.command.TransactionRunner;
import dev.multidb.command.RoutingChannelWriter;
import dev.multidb.database.ClusterMember;
import dev.multidb.database.DatabaseRuntime;
import dev.multidb.database.Member;
import dev.multidb.database.StandaloneMember;
import dev.multidb.database.MemberClients;
import dev.multidb.detect.CommandFailureDetector;

import dev.multidb.detect.FailureDetector;
import dev.multidb.event.EventBus;
import dev.multidb.failover.FailoverController;
import dev.multidb.health.HealthCheck;
import dev.multidb.health.HealthCheckRunner;

/**
 * Several Redis databases used as one resilient endpoint. Commands go to the active database (the
 * highest-weight healthy one); the client health-checks every database, detects failures from
 * real traffic, fails over, retries safely and falls back. Thread-safe: share one client.
 *
 * <pre>{@code
 * try (MultiDbClient<String, String> client = MultiDbClient.create(config)) {
 *     client.sync().set("key", "value");
 * }
 * }</pre>
 *
 * @param <K> key type
 * @param <V> value type
 */
public final class MultiDbClient<K, V> implements MultiDbEndpoint<K, V> {

    private static final AtomicInteger INSTANCES = new AtomicInteger();

    private final MultiDbConfig config;
    private final ClientResources resources;
    /**
     * Our own DNS resolvers when we own the resources. Lettuce's default group is JVM-wide and keeps
     * a UDP socket per event loop it served open after the loops have ended; ours is closed with the
     * client, so {@link #close()} leaves no socket behind.
     */
    private final AddressResolverGroup<?> resolvers;
    private final boolean ownsResources;
    private final ScheduledThreadPoolExecutor coordinator;
    private final EventBus events;
    private final FailoverController<K, V> controller;
    /** The facade of a client of single endpoints, or {@code null} for a cluster client. */
    private final MultiDbConnection<K, V> connection;
    /** The facade of a client of Redis Clusters, or {@code null}. */
    private final MultiDbClusterConnection<K, V> clusterConnection;
    private final boolean cluster;
    private final CommandRouter<K, V> router;
    private final Pipelines<K, V> pipelines;
    private final TransactionRunner<K, V> transactions;
    private final List<HealthCheck> healthChecks;
    private final List<FailureDetector> failureDetectors;
    private final RedisCodec<K, V> codec;
    private final java.util.Set<AutoCloseable> openSessions = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    private MultiDbClient(MultiDbConfig config, RedisCodec<K, V> codec, boolean cluster) {
        this.config = config;
        this.codec = codec;
        this.cluster = cluster;
        int id = INSTANCES.incrementAndGet();
        this.ownsResources = config.clientResources() == null;
        this.resolvers = ownsResources ? newResolverGroup() : null;
        this.resources = ownsResources ? DefaultClientResources.builder().addressResolverGroup(resolvers).build()
                : config.clientResources();
        this.coordinator = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "multidb-" + id + "-coordinator");
            t.setDaemon(true);
            return t;
        });
        coordinator.setRemoveOnCancelPolicy(true);
        this.events = new EventBus("multidb-" + id + "-events");
        config.listeners().forEach((type, list) -> list.forEach(l -> events.addListener(type, l)));
        this.healthChecks = new java.util.concurrent.CopyOnWriteArrayList<>(config.healthChecks());
        this.failureDetectors = new java.util.concurrent.CopyOnWriteArrayList<>();
        failureDetectors.add(new CommandFailureDetector(config.minNumFailures(), config.failureRateThreshold(),
                config.failuresDetectionWindow()));
        failureDetectors.addAll(config.failureDetectors());
        HealthCheckRunner runner = new HealthCheckRunner(() -> healthChecks, config.healthCheckProbes(),
                config.healthCheckDelay(), config.healthCheckTimeout(), config.connectTimeout(), config.healthCheckPolicy(),
                coordinator);
        this.controller = new FailoverController<>(config, coordinator, runner, events, System::nanoTime);
        CommandRouter<K, V> router = new CommandRouter<>(controller, config.commandRetry(), config.retryPolicy(), coordinator, events);
        this.router = router;
        controller.addSwitchListener((oldActive, newActive) -> {
            if (newActive != null) {
                router.retryNow();
            }
        });
        RoutingChannelWriter writer = new RoutingChannelWriter(router, resources, this::ensureOpen);
        if (cluster) {
            this.connection = null;
            this.clusterConnection = new MultiDbClusterConnection<>(writer, codec, callerTimeout(config), this::activeClusterConnection);
        } else {
            this.connection = new MultiDbConnection<>(writer, codec, callerTimeout(config));
            this.clusterConnection = null;
        }
        this.pipelines = new Pipelines<>(router, resources, codec, callerTimeout(config), this::ensureOpen);
        this.transactions = new TransactionRunner<>(router);
        try {
            start(codec);
        } catch (RuntimeException | Error e) {
            close();
            throw e;
        }
    }

    /** Creates a client with String keys and values, and waits for the first health checks. */
    public static MultiDbClient<String, String> create(MultiDbConfig config) {
        return create(config, StringCodec.UTF8);
    }

    /**
     * Creates a client with the given codec, runs the first health check of every database and
     * picks the active one.
     *
     * @throws NoValidDatabaseException when fewer databases than the initial health check policy
     *                                  requires pass their first health check
     */
    public static <K, V> MultiDbClient<K, V> create(MultiDbConfig config, RedisCodec<K, V> codec) {
        if (config == null || codec == null) {
            throw new IllegalArgumentException("config and codec must not be null");
        }
        return new MultiDbClient<>(config, codec, false);
    }

    /** The engine of a {@link MultiDbClusterClient}: every member database is a Redis Cluster. */
    static <K, V> MultiDbClient<K, V> createForClusters(MultiDbConfig config, RedisCodec<K, V> codec) {
        if (config == null || codec == null) {
            throw new IllegalArgumentException("config and codec must not be null");
        }
        return new MultiDbClient<>(config, codec, true);
    }

    @SuppressWarnings("unchecked")
    private io.lettuce.core.cluster.api.StatefulRedisClusterConnection<K, V> activeClusterConnection() {
        DatabaseRuntime<K, V> active = controller.activeOrThrow();
        io.lettuce.core.api.StatefulConnection<K, V> member = active.commandConnection();
        if (member == null) {
            active.reconnect();
            throw new io.lettuce.core.RedisException("Currently not connected to '" + active.name() + "'");
        }
        return (io.lettuce.core.cluster.api.StatefulRedisClusterConnection<K, V>) member;
    }

    /** The cluster facade, for {@link MultiDbClusterClient}. */
    MultiDbClusterConnection<K, V> clusterConnection() {
        ensureOpen();
        return clusterConnection;
    }

    private void ensureSingleEndpoints() {
        ensureOpen();
        if (cluster) {
            throw new IllegalStateException("this client's databases are Redis Clusters: use MultiDbClusterClient's"
                    + " sync(), async(), reactive() and connect()");
        }
    }

    /**
     * How long a synchronous caller waits in all: every attempt is bounded by the command timeout,
     * and every pause between them by the retry cap.
     */
    private static Duration callerTimeout(MultiDbConfig config) {
        int attempts = config.commandRetry().retries() + 1;
        return config.commandTimeout().multipliedBy(attempts)
                .plus(config.commandRetry().cap().multipliedBy(attempts - 1))
                .plus(config.healthCheckTimeout());
    }

    private void start(RedisCodec<K, V> codec) {
        List<DatabaseRuntime<K, V>> members = new ArrayList<>();
        for (DatabaseConfig dbConfig : config.databases()) {
            members.add(newRuntime(dbConfig, codec));
        }
        Duration bound = startBound();
        List<DatabaseRuntime<K, V>> failed;
        try {
            failed = controller.initialize(members, bound);
        } catch (ExecutionException | TimeoutException e) {
            throw new NoValidDatabaseException("the first active database could not be reached: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while starting", e);
        } catch (Exception e) {
            throw new IllegalStateException("could not start: " + e.getMessage(), e);
        }
        int healthy = members.size() - failed.size();
        if (!config.initialHealthCheckPolicy().isSatisfied(healthy, members.size())) {
            StringBuilder why = new StringBuilder();
            for (DatabaseRuntime<K, V> db : failed) {
                why.append(why.length() == 0 ? "" : ", ").append(db.name()).append(" (").append(Masking.mask(db.uri()))
                        .append(": ").append(db.lastFailure()).append(')');
            }
            throw new NoValidDatabaseException("initial health check policy " + config.initialHealthCheckPolicy() + " not met: "
                    + healthy + " of " + members.size() + " databases healthy; failed: " + why);
        }
        controller.start();
    }

    /** How long the first health check of a database may take: connect, probes and the pauses between them. */
    private Duration startBound() {
        return config.connectTimeout().multipliedBy(2)
                .plus(config.healthCheckTimeout().plus(config.healthCheckDelay()).multipliedBy(config.healthCheckProbes()))
                .plus(Duration.ofSeconds(1));
    }

    private DatabaseRuntime<K, V> newRuntime(DatabaseConfig dbConfig, RedisCodec<K, V> codec) {
        Member<K, V> member;
        if (cluster) {
            member = new ClusterMember<>(MemberClients.clusterClientFor(dbConfig, resources, config.connectTimeout(),
                    config.commandTimeout()), codec, dbConfig.name());
        } else {
            RedisClient client = MemberClients.clientFor(dbConfig, resources, config.connectTimeout());
            // The URI's timeout bounds Lettuce's connection handshake (HELLO, AUTH, SELECT), 60 s by
            // default: a black-holed endpoint would hold a reconnect that long.
            member = new StandaloneMember<>(client, dbConfig.uri(), config.commandTimeout(), codec);
        }
        CircuitBreaker circuit = new CircuitBreaker(dbConfig.gracePeriod(), System::nanoTime, CircuitState.HALF_OPEN);
        DatabaseRuntime<K, V> runtime = new DatabaseRuntime<>(dbConfig, member, codec, config.commandTimeout(),
                config.healthCheckTimeout(), circuit, db -> controller.suspect(db));
        for (FailureDetector detector : failureDetectors) {
            runtime.addTracker(detector.newTracker(runtime));
        }
        return runtime;
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("the MultiDbClient is closed");
        }
    }

    /** Lettuce's synchronous command API; every command goes to the active database. */
    public RedisCommands<K, V> sync() {
        ensureSingleEndpoints();
        return connection.sync();
    }

    /** Lettuce's asynchronous command API; every command goes to the active database. */
    public RedisAsyncCommands<K, V> async() {
        ensureSingleEndpoints();
        return connection.async();
    }

    /** Lettuce's reactive command API; every command goes to the active database. */
    public RedisReactiveCommands<K, V> reactive() {
        ensureSingleEndpoints();
        return connection.reactive();
    }

    /**
     * A {@link StatefulRedisConnection} view of the client, for frameworks built on Lettuce. Its
     * commands follow the active database; closing it does not close the client.
     */
    public StatefulRedisConnection<K, V> connect() {
        ensureSingleEndpoints();
        return connection;
    }

    /**
     * A new pipeline: record commands with {@link Pipeline#commands()}, then {@link Pipeline#execute()}
     * sends them to the active database in one write.
     */
    public Pipeline<K, V> pipeline() {
        ensureOpen();
        return new Pipeline<>(pipelines.recorder(), callerTimeout(config));
    }

    /**
     * Records the commands {@code body} issues and runs them as one pipeline.
     *
     * @return the replies in order (a Redis error reply appears as its exception)
     */
    public List<Object> pipeline(Consumer<RedisAsyncCommands<K, V>> body) {
        try (Pipeline<K, V> pipe = pipeline()) {
            body.accept(pipe.commands());
            return pipe.execute();
        }
    }

    /** As {@link #pipeline(Consumer)}, without waiting: the future completes with the replies. */
    public CompletableFuture<List<Object>> pipelineAsync(Consumer<RedisAsyncCommands<K, V>> body) {
        Pipeline<K, V> pipe = pipeline();
        body.accept(pipe.commands());
        return pipe.executeAsync();
    }

    /**
     * Runs a transaction on one dedicated connection to the active database: WATCH
     * {@code watchKeys}, then {@code callback} (reads, then {@code tx.multi()}, then the writes),
     * then EXEC. Without watch keys, MULTI is issued before the callback, so everything it sends
     * is queued. A WATCH conflict re-runs the callback (at most
     * {@value TransactionRunner#MAX_CONFLICT_ATTEMPTS} times, then {@link WatchConflictException});
     * a failure or a database switch before EXEC re-runs it on the new active database, under the
     * retry policy ({@link TransactionAbortedException} under {@code RetryPolicy.NEVER}); a failure
     * after EXEC was sent throws {@link OutcomeUnknownException} (unless {@code RetryPolicy.ALWAYS}).
     * Commands other than reads sent before {@code tx.multi()} run at once and would run again, so
     * such a callback is not re-run (unless {@code RetryPolicy.ALWAYS}): a conflict then throws
     * {@link WatchConflictException}, a switch or failure {@link TransactionAbortedException}.
     * The callback may therefore run more than once: keep side effects out of it.
     *
     * @return Lettuce's result of EXEC
     */
    @SafeVarargs
    public final io.lettuce.core.TransactionResult transaction(Consumer<RedisCommands<K, V>> callback, K... watchKeys) {
        ensureOpen();
        return transactions.run(Config.requireNonNull("callback", callback), watchKeys);
    }

    /**
     * A Pub/Sub session that follows the active database: its channels, patterns and shard
     * channels are subscribed again on the new database before the old subscription is dropped.
     * Close it when done (the client closes the ones still open).
     */
    public MultiDbPubSub<K, V> pubsub() {
        ensureOpen();
        MultiDbPubSub<K, V>[] self = new MultiDbPubSub[1];
        self[0] = new MultiDbPubSub<>(controller, config.commandTimeout(), () -> openSessions.remove(self[0]));
        // Registered under the monitor close() sets closed under: either close() sees this session
        // and closes it, or this call sees closed and the session (not started yet) is dropped.
        synchronized (this) {
            ensureOpen();
            openSessions.add(self[0]);
        }
        // If close() ran since, it closed the session, and start does nothing.
        self[0].start();
        return self[0];
    }

    /** The member databases, in configuration order. */
    public List<Database> databases() {
        return List.copyOf(controller.databases());
    }

    /** The database that carries traffic now, or {@code null} when none is usable. */
    public Database activeDatabase() {
        return controller.active();
    }

    /** Lettuce's default resolver settings (see {@code DefaultClientResources}), in a group of our own. */
    private static AddressResolverGroup<?> newResolverGroup() {
        return new DnsAddressResolverGroup(new DnsNameResolverBuilder()
                // A socket per lookup, closed after it: the resolver's long-lived socket outlives close() (Netty 4.2).
                .datagramChannelStrategy(DnsNameResolverChannelStrategy.ChannelPerResolution)
                .datagramChannelType(Transports.datagramChannelClass())
                .socketChannelType(Transports.socketChannelClass().asSubclass(SocketChannel.class))
                .cnameCache(new DefaultDnsCnameCache())
                .resolveCache(new DefaultDnsCache()));
    }

    /**
     * How many times the active database has changed since the client was created: the first
     * choice, failovers, fallbacks, manual switches and losing every database each count one.
     * Read it before and after a call, in this order: this count, then {@link #activeDatabase()};
     * the call; then {@link #activeDatabase()}, then this count. When both counts and both
     * databases agree, that one database served the call and all its retries. (Read in another
     * order, a switch away and back during the call can go unnoticed.)
     */
    public long activeDatabaseChanges() {
        return controller.activeChanges();
    }

    /**
     * Makes {@code database} active now. It stays active (auto fallback does not move traffic
     * away from it) until it fails or another switch is requested.
     *
     * @throws NoValidDatabaseException when its last health check failed
     */
    public void setActiveDatabase(Database database) {
        ensureOpen();
        await(controller.setActive(database));
    }

    /**
     * Adds a database at runtime. It is health-checked at once (this call waits for the first
     * verdict, at most the probe bound); it becomes active only when healthy and heavier than the
     * active database.
     *
     * @throws IllegalArgumentException for a duplicate endpoint or name
     */
    public Database addDatabase(DatabaseConfig database) {
        ensureOpen();
        Config.requireNonNull("database", database);
        DatabaseRuntime<K, V> runtime;
        CompletableFuture<Boolean> firstVerdict;
        synchronized (this) {
            ensureOpen();
            runtime = newRuntime(database, codec);
            // The controller refuses a duplicate endpoint or name on the coordinator, in the same step as the insert.
            firstVerdict = controller.add(runtime);
        }
        try {
            firstVerdict.get(startBound().toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            // Still checking: it joins when its health check passes.
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IllegalArgumentException duplicate) {
                runtime.closeAsync(); // its Lettuce client, if multidb made one; it opened no connection
                throw duplicate;
            }
            // Closed meanwhile; the verdict does not matter.
        }
        if (closed) {
            runtime.closeAsync();
        }
        return runtime;
    }

    /**
     * Removes a database; traffic leaves it first when it is active.
     *
     * @throws IllegalArgumentException  for a database this client does not have
     * @throws IllegalStateException     for the last database
     * @throws NoValidDatabaseException  for the active database when no other is usable
     */
    public void removeDatabase(Database database) {
        ensureOpen();
        await(controller.remove(Config.requireNonNull("database", database)));
    }

    /**
     * Changes a database's weight; traffic moves at once if this makes another healthy database
     * the heaviest.
     *
     * @throws IllegalArgumentException for an unknown database or a weight that is not positive and finite
     */
    public void updateDatabaseWeight(Database database, double weight) {
        ensureOpen();
        Config.requireNonNull("database", database);
        if (!(weight > 0) || Double.isInfinite(weight)) {
            throw new IllegalArgumentException("weight must be a positive finite number, was " + weight);
        }
        await(controller.updateWeight(database, weight));
    }

    /** A snapshot of every database and of the active one. */
    public MultiDbStatus status() {
        DatabaseRuntime<K, V> current = controller.active();
        List<MultiDbStatus.DatabaseStatus> databases = new ArrayList<>();
        for (DatabaseRuntime<K, V> db : controller.databases()) {
            long commands = 0;
            long failures = 0;
            for (var tracker : db.trackers()) {
                long[] counts = tracker.windowCounts();
                if (counts != null) {
                    commands = counts[0];
                    failures = counts[1];
                    break;
                }
            }
            long latency = db.lastHealthLatencyNanos();
            databases.add(new MultiDbStatus.DatabaseStatus(db.name(), Masking.mask(db.uri()), db.weight(), db.circuitState(),
                    db.isHealthy(), latency < 0 ? -1 : latency / 1_000_000.0,
                    db.isHealthy() || db.lastFailure() == null ? null : String.valueOf(db.lastFailure().getMessage()),
                    commands, failures, db == current));
        }
        Duration unavailable = current == null ? Duration.ofNanos(System.nanoTime() - controller.unavailableSinceNanos()) : null;
        return new MultiDbStatus(current == null ? null : current.name(), unavailable, List.copyOf(databases),
                events.droppedEvents());
    }

    /** Adds a health check to every database's next runs. */
    public void addHealthCheck(HealthCheck check) {
        ensureOpen();
        healthChecks.add(Config.requireNonNull("healthCheck", check));
    }

    /** Adds a failure detector; it sees every command outcome from now on. */
    public void addFailureDetector(FailureDetector detector) {
        ensureOpen();
        Config.requireNonNull("failureDetector", detector);
        failureDetectors.add(detector);
        for (DatabaseRuntime<K, V> db : controller.databases()) {
            db.addTracker(detector.newTracker(db));
        }
    }

    /**
     * Registers a listener for an event type (and its subtypes). Listeners run on the client's
     * event thread, never on a command thread; a throwing listener is logged and skipped.
     */
    public <E extends MultiDbEvent> void addListener(Class<E> type, Consumer<? super E> listener) {
        events.addListener(Config.requireNonNull("type", type), Config.requireNonNull("listener", listener));
    }

    /** Unregisters a listener added with {@link #addListener}; unknown listeners are ignored. */
    public void removeListener(Consumer<?> listener) {
        events.removeListener(listener);
    }

    /** The configuration the client was created with. */
    public MultiDbConfig config() {
        return config;
    }

    private void await(CompletableFuture<Void> future) {
        try {
            future.get(callerTimeout(config).toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw new IllegalStateException(e.getCause());
        } catch (TimeoutException e) {
            throw new io.lettuce.core.RedisCommandTimeoutException("timed out: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /**
     * Stops every thread the client started and closes every connection. Idempotent; commands
     * after it fail with {@link IllegalStateException}.
     */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        for (AutoCloseable session : List.copyOf(openSessions)) {
            try {
                session.close();
            } catch (Exception e) {
                // Closing anyway.
            }
        }
        coordinator.shutdownNow();
        if (controller != null) {
            controller.close(); // a call racing close() is answered now, not at its timeout
        }
        router.failAwaitingRetry();
        List<CompletableFuture<Void>> closing = new ArrayList<>();
        if (controller != null) {
            for (DatabaseRuntime<K, V> db : controller.databases()) {
                closing.add(db.closeAsync());
            }
            for (DatabaseRuntime<K, V> db : List.copyOf(controller.draining())) {
                closing.add(db.closeAsync());
            }
        }
        try {
            CompletableFuture.allOf(closing.toArray(CompletableFuture[]::new)).get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            // Best effort: resources are shut down below regardless.
        }
        try {
            coordinator.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        events.close();
        if (ownsResources) {
            resolvers.close(); // before the event loops end: closing a resolver's channel needs its loop
            try {
                resources.shutdown(0, 2, TimeUnit.SECONDS).get(3, TimeUnit.SECONDS);
            } catch (Exception e) {
                // Netty's threads are daemons; a slow shutdown does not keep the JVM alive.
            }
        }
    }
}
