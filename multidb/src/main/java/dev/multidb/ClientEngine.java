package dev.multidb;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.RedisException;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.codec.RedisCodec;

import dev.multidb.circuit.CircuitBreaker;
import dev.multidb.circuit.CircuitState;
import dev.multidb.command.CommandRouter;
import dev.multidb.command.MultiDbClusterConnection;
import dev.multidb.command.MultiDbConnection;
import dev.multidb.command.Pipelines;
import dev.multidb.command.Sessions;
import dev.multidb.command.RoutingChannelWriter;
import dev.multidb.command.TransactionRunner;
import dev.multidb.command.Warmup;
import dev.multidb.database.ClusterMember;
import dev.multidb.database.DatabaseRuntime;
import dev.multidb.database.Member;
import dev.multidb.database.MemberClients;
import dev.multidb.database.StandaloneMember;
import dev.multidb.detect.CommandFailureDetector;
import dev.multidb.detect.FailureDetector;
import dev.multidb.event.EventBus;
import dev.multidb.failover.FailoverController;
import dev.multidb.health.HealthCheck;
import dev.multidb.health.HealthCheckRunner;

/**
 * The machinery behind a {@link MultiDbClient}, wired once in dependency order: Lettuce resources,
 * the coordinator thread, the event bus, the failover controller, the command router and the
 * facades commands enter through. {@link #start()} builds the member runtimes, runs their first
 * health checks and picks the first active database; {@link #shutdown()} takes it all down again.
 * The client facade owns the lifecycle (open or closed) and the Pub/Sub sessions.
 */
final class ClientEngine<K, V> {

    private static final AtomicInteger INSTANCES = new AtomicInteger();

    final MultiDbConfig config;
    private final RedisCodec<K, V> codec;
    /** Whether every member is a Redis Cluster. */
    final boolean cluster;
    private final NettyResources resources;
    private final ScheduledThreadPoolExecutor coordinator;
    final EventBus events;
    final FailoverController<K, V> controller;
    private final CommandRouter<K, V> router;
    /** The facade of a client of single endpoints, or {@code null} for a cluster client. */
    final MultiDbConnection<K, V> connection;
    /** The facade of a client of Redis Clusters, or {@code null}. */
    final MultiDbClusterConnection<K, V> clusterConnection;
    final Pipelines<K, V> pipelines;
    /** The application's own connections ({@code connect()}); single endpoints only. */
    final Sessions<K, V> sessions;
    final TransactionRunner<K, V> transactions;
    final List<HealthCheck> healthChecks;
    final FailureDetectors<K, V> detectors;
    /** How long a synchronous caller waits in all; see {@link #callerTimeout(MultiDbConfig)}. */
    final Duration callerTimeout;

    /** Wires the parts; nothing connects before {@link #start()}. {@code ensureOpen} throws once the client is closed. */
    ClientEngine(MultiDbConfig config, RedisCodec<K, V> codec, boolean cluster, Runnable ensureOpen) {
        this.config = config;
        this.codec = codec;
        this.cluster = cluster;
        this.callerTimeout = callerTimeout(config);
        int id = INSTANCES.incrementAndGet();
        this.resources = new NettyResources(config);
        this.coordinator = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "multidb-" + id + "-coordinator");
            t.setDaemon(true);
            return t;
        });
        coordinator.setRemoveOnCancelPolicy(true);
        this.events = new EventBus("multidb-" + id + "-events");
        config.listeners().forEach((type, list) -> list.forEach(l -> events.addListener(type, l)));
        this.healthChecks = new CopyOnWriteArrayList<>(config.healthChecks());
        HealthCheckRunner runner = new HealthCheckRunner(() -> healthChecks, config.healthCheckProbes(),
                config.healthCheckDelay(), config.healthCheckTimeout(), config.connectTimeout(), config.healthCheckPolicy(),
                coordinator);
        this.controller = new FailoverController<>(config, coordinator, runner, events, System::nanoTime);
        List<FailureDetector> detectors = new ArrayList<>();
        detectors.add(new CommandFailureDetector(config.minNumFailures(), config.failureRateThreshold(),
                config.failuresDetectionWindow()));
        detectors.addAll(config.failureDetectors());
        this.detectors = new FailureDetectors<>(detectors, controller::databases);
        CommandRouter<K, V> router = new CommandRouter<>(controller, config.commandRetry(), config.retryPolicy(), coordinator, events);
        this.router = router;
        controller.addSwitchListener((oldActive, newActive) -> {
            if (newActive != null) {
                router.retryNow();
            }
        });
        RoutingChannelWriter writer = new RoutingChannelWriter(router, resources.get(), ensureOpen);
        if (cluster) {
            this.connection = null;
            this.clusterConnection = new MultiDbClusterConnection<>(writer, codec, callerTimeout, this::activeClusterConnection,
                    false);
        } else {
            this.connection = new MultiDbConnection<>(writer, codec, callerTimeout);
            this.clusterConnection = null;
        }
        this.pipelines = new Pipelines<>(router, resources.get(), codec, callerTimeout, ensureOpen);
        this.sessions = new Sessions<>(router, resources.get(), codec, callerTimeout, ensureOpen);
        this.transactions = new TransactionRunner<>(router);
    }

    /** A new cluster connection of the application's own ({@code MultiDbClusterClient.connect()}). */
    MultiDbClusterConnection<K, V> openClusterConnection(Runnable ensureOpen) {
        RoutingChannelWriter writer = new RoutingChannelWriter(router, resources.get(), ensureOpen, true);
        return new MultiDbClusterConnection<>(writer, codec, callerTimeout, this::activeClusterConnection, true);
    }

    /**
     * How long a synchronous caller waits in all: every attempt is bounded by the command timeout,
     * and every pause between them by the retry cap.
     */
    static Duration callerTimeout(MultiDbConfig config) {
        int attempts = config.commandRetry().retries() + 1;
        return config.commandTimeout().multipliedBy(attempts)
                .plus(config.commandRetry().cap().multipliedBy(attempts - 1))
                .plus(config.healthCheckTimeout());
    }

    @SuppressWarnings("unchecked")
    private StatefulRedisClusterConnection<K, V> activeClusterConnection() {
        DatabaseRuntime<K, V> active = controller.activeOrThrow();
        StatefulConnection<K, V> member = active.commandConnection();
        if (member == null) {
            active.reconnect();
            throw new RedisException("Currently not connected to '" + active.name() + "'");
        }
        return (StatefulRedisClusterConnection<K, V>) member;
    }

    /**
     * Builds the configured databases, runs their first health checks and picks the active one.
     *
     * @throws NoValidDatabaseException when the initial health check policy is not met
     */
    void start() {
        // Once per JVM, on the creating thread (110-250 ms): the first failover is then as fast as the
        // later ones, and no thread outlives it.
        Warmup.runOnce(Runnable::run);
        List<DatabaseRuntime<K, V>> members = new ArrayList<>();
        for (DatabaseConfig dbConfig : config.databases()) {
            DatabaseRuntime<K, V> member = newRuntime(dbConfig);
            detectors.equip(member);
            members.add(member);
        }
        List<DatabaseRuntime<K, V>> failed;
        try {
            failed = controller.initialize(members, startBound());
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
    Duration startBound() {
        return config.connectTimeout().multipliedBy(2)
                .plus(config.healthCheckTimeout().plus(config.healthCheckDelay()).multipliedBy(config.healthCheckProbes()))
                .plus(Duration.ofSeconds(1));
    }

    /** A member runtime for {@code dbConfig}, not connected yet and without failure trackers. */
    DatabaseRuntime<K, V> newRuntime(DatabaseConfig dbConfig) {
        Member<K, V> member;
        if (cluster) {
            member = new ClusterMember<>(MemberClients.clusterClientFor(dbConfig, resources.get(), config.connectTimeout(),
                    config.commandTimeout()), codec, dbConfig.name());
        } else {
            RedisClient client = MemberClients.clientFor(dbConfig, resources.get(), config.connectTimeout());
            // The URI's timeout bounds Lettuce's connection handshake (HELLO, AUTH, SELECT), 60 s by
            // default: a black-holed endpoint would hold a reconnect that long.
            member = new StandaloneMember<>(client, MemberClients.withHandshakeTimeout(dbConfig, config.commandTimeout()), codec);
        }
        CircuitBreaker circuit = new CircuitBreaker(dbConfig.gracePeriod(), System::nanoTime, CircuitState.HALF_OPEN);
        DatabaseRuntime<K, V> runtime = new DatabaseRuntime<>(dbConfig, member, codec, config.commandTimeout(),
                config.healthCheckTimeout(), circuit, db -> controller.suspect(db));
        return runtime;
    }

    /**
     * Gives {@code db} its failure trackers and asks the coordinator to add it (refused there for a
     * duplicate endpoint or name, in the same step as the insert). A failure detector added
     * meanwhile gets a tracker for it too. Completes with its first health verdict.
     */
    CompletableFuture<Boolean> add(DatabaseRuntime<K, V> db) {
        return detectors.join(db, controller::add);
    }

    /**
     * Waits for a coordinator answer, at most the caller timeout, and rethrows its failure as is.
     *
     * @throws RedisCommandTimeoutException when no answer came in time
     */
    void await(CompletableFuture<Void> future) {
        try {
            future.get(callerTimeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw new IllegalStateException(e.getCause());
        } catch (TimeoutException e) {
            throw new RedisCommandTimeoutException("timed out: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /**
     * Stops the coordinator, answers every call still waiting, closes every database (removed ones
     * still draining included), then the event thread and the resources the client owns.
     */
    void shutdown() {
        coordinator.shutdownNow();
        controller.close(); // a call racing close() is answered now, not at its timeout
        router.failAwaitingRetry();
        List<CompletableFuture<Void>> closing = new ArrayList<>();
        closing.add(sessions.closeAll());
        for (DatabaseRuntime<K, V> db : controller.databases()) {
            closing.add(db.closeAsync());
        }
        for (DatabaseRuntime<K, V> db : List.copyOf(controller.draining())) {
            closing.add(db.closeAsync());
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
        resources.close();
    }
}
