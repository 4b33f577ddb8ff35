package dev.multidb;

import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

import io.lettuce.core.TransactionResult;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.api.reactive.RedisReactiveCommands;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.StringCodec;

import dev.multidb.command.MultiDbClusterConnection;
import dev.multidb.command.TransactionRunner;
import dev.multidb.database.DatabaseRuntime;
import dev.multidb.detect.FailureDetector;
import dev.multidb.health.HealthCheck;

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

    /** The wired machinery: resources, coordinator, events, failover, command path. */
    private final ClientEngine<K, V> engine;
    private final Set<AutoCloseable> openSessions = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    private MultiDbClient(MultiDbConfig config, RedisCodec<K, V> codec, boolean cluster) {
        this.engine = new ClientEngine<>(config, codec, cluster, this::ensureOpen);
        try {
            engine.start();
        } catch (RuntimeException | Error e) {
            close();
            throw e;
        }
    }

    /**
     * Creates a client with String keys and values, and waits for the first health checks.
     *
     * @param config the databases and settings
     * @return a started client; close it when done
     * @throws NoValidDatabaseException when fewer databases than the initial health check policy
     *                                  requires pass their first health check
     */
    public static MultiDbClient<String, String> create(MultiDbConfig config) {
        return create(config, StringCodec.UTF8);
    }

    /**
     * Creates a client with the given codec, runs the first health check of every database and
     * picks the active one.
     *
     * @param <K> key type
     * @param <V> value type
     * @param config the databases and settings
     * @param codec any Lettuce codec
     * @return a started client; close it when done
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

    /** The cluster facade, for {@link MultiDbClusterClient}. */
    MultiDbClusterConnection<K, V> clusterConnection() {
        ensureOpen();
        return engine.clusterConnection;
    }

    /** A new cluster connection of the application's own, for {@link MultiDbClusterClient#connect()}. */
    MultiDbClusterConnection<K, V> newClusterConnection() {
        ensureOpen();
        return engine.openClusterConnection(this::ensureOpen);
    }

    private void ensureSingleEndpoints() {
        ensureOpen();
        if (engine.cluster) {
            throw new IllegalStateException("this client's databases are Redis Clusters: use MultiDbClusterClient's"
                    + " sync(), async(), reactive() and connect()");
        }
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("the MultiDbClient is closed");
        }
    }

    /**
     * Lettuce's synchronous command API on the client's shared connection; every command goes to
     * the active database. Thread-safe; connection-state commands are refused (use {@link #connect()}).
     *
     * @return the shared synchronous API
     */
    public RedisCommands<K, V> sync() {
        ensureSingleEndpoints();
        return engine.connection.sync();
    }

    /**
     * Lettuce's asynchronous command API on the client's shared connection; see {@link #sync()}.
     *
     * @return the shared asynchronous API
     */
    public RedisAsyncCommands<K, V> async() {
        ensureSingleEndpoints();
        return engine.connection.async();
    }

    /**
     * Lettuce's reactive command API on the client's shared connection; see {@link #sync()}.
     *
     * @return the shared reactive API
     */
    public RedisReactiveCommands<K, V> reactive() {
        ensureSingleEndpoints();
        return engine.connection.reactive();
    }

    /**
     * A new connection of the application's own, with Lettuce's connection semantics: what a plain
     * {@code RedisClient.connect()} gives, except that its commands follow the active database.
     * <ul>
     * <li>Plain commands go to the active database, with this client's retry rules.</li>
     * <li>A transaction ({@code watch}/{@code multi} … {@code exec}/{@code discard}) is pinned to one
     * physical connection on the database active when it began. If the active database changes, or
     * that connection is lost, before EXEC is sent, the transaction fails with
     * {@link TransactionAbortedException} and nothing of it is applied; if EXEC itself is cut off, it
     * fails with {@link OutcomeUnknownException}.</li>
     * <li>Connection state ({@code SELECT}, {@code CLIENT SETNAME}, {@code HELLO}, {@code AUTH},
     * {@code READONLY}) is remembered and applied to every physical connection this connection uses,
     * on every database, after a failover too.</li>
     * <li>{@code setAutoFlushCommands(false)} buffers commands until {@code flushCommands()}, which
     * sends them in one write, as a {@link #pipeline()}.</li>
     * <li>MONITOR, CLIENT PAUSE, CLIENT REPLY and the SUBSCRIBE family cannot follow a switch: they fail
     * at once with a message that names the alternative.</li>
     * </ul>
     * It opens a physical connection to a database when it first sends a command there, and closing
     * it closes those, and nothing else. Closing the client closes every connection still open.
     * Thread-safe as a Lettuce connection is (a transaction takes every command sent meanwhile).
     * For stateless traffic, {@link #sync()}, {@link #async()} and {@link #reactive()} share one
     * connection per database and cost less.
     *
     * @return a new connection; close it when done
     * @throws IllegalStateException if the client is closed, or its databases are Redis Clusters
     */
    public StatefulRedisConnection<K, V> connect() {
        ensureSingleEndpoints();
        return engine.sessions.open();
    }

    /**
     * A new pipeline: record commands with {@link Pipeline#commands()}, then {@link Pipeline#execute()}
     * sends them to the active database in one write.
     */
    @Override
    public Pipeline<K, V> pipeline() {
        ensureOpen();
        return new Pipeline<>(engine.pipelines.recorder(), engine.callerTimeout);
    }

    /**
     * Records the commands {@code body} issues and runs them as one pipeline.
     *
     * @return the replies in order (a Redis error reply appears as its exception)
     */
    @Override
    public List<Object> pipeline(Consumer<RedisAsyncCommands<K, V>> body) {
        try (Pipeline<K, V> pipe = pipeline()) {
            body.accept(pipe.commands());
            return pipe.execute();
        }
    }

    /** As {@link #pipeline(Consumer)}, without waiting: the future completes with the replies. */
    @Override
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
    @Override
    @SafeVarargs
    public final TransactionResult transaction(Consumer<RedisCommands<K, V>> callback, K... watchKeys) {
        ensureOpen();
        return engine.transactions.run(Config.requireNonNull("callback", callback), watchKeys);
    }

    /**
     * A Pub/Sub session that follows the active database: its channels, patterns and shard
     * channels are subscribed again on the new database before the old subscription is dropped.
     * Close it when done (the client closes the ones still open).
     */
    @Override
    public MultiDbPubSub<K, V> pubsub() {
        ensureOpen();
        MultiDbPubSub<K, V>[] self = new MultiDbPubSub[1];
        self[0] = new MultiDbPubSub<>(engine.controller, engine.config.commandTimeout(), () -> openSessions.remove(self[0]));
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
    @Override
    public List<Database> databases() {
        return engine.controller.databases().stream().map(DatabaseRuntime::view).toList();
    }

    /** The database that carries traffic now, or {@code null} when none is usable. */
    @Override
    public Database activeDatabase() {
        DatabaseRuntime<K, V> active = engine.controller.active();
        return active == null ? null : active.view();
    }

    /**
     * How many times the active database has changed since the client was created: the first
     * choice, failovers, fallbacks, manual switches and losing every database each count one.
     * Read it before and after a call, in this order: this count, then {@link #activeDatabase()};
     * the call; then {@link #activeDatabase()}, then this count. When both counts and both
     * databases agree, that one database served the call and all its retries. (Read in another
     * order, a switch away and back during the call can go unnoticed.)
     */
    @Override
    public long activeDatabaseChanges() {
        return engine.controller.activeChanges();
    }

    /**
     * Makes {@code database} active now. It stays active (auto fallback does not move traffic
     * away from it) until it fails or another switch is requested.
     *
     * @throws NoValidDatabaseException when its last health check failed
     */
    @Override
    public void setActiveDatabase(Database database) {
        ensureOpen();
        engine.await(engine.controller.setActive(database));
    }

    /** Operator controls: force a database active for maintenance, drain a database (see {@link Maintenance}). */
    @Override
    public Maintenance maintenance() {
        return new ClientMaintenance(engine.controller, future -> {
            ensureOpen();
            engine.await(future);
        });
    }

    /**
     * Adds a database at runtime. It is health-checked at once (this call waits for the first
     * verdict, at most the probe bound); it becomes active only when healthy and heavier than the
     * active database.
     *
     * @throws IllegalArgumentException for a duplicate endpoint or name
     */
    @Override
    public Database addDatabase(DatabaseConfig database) {
        ensureOpen();
        Config.requireNonNull("database", database);
        DatabaseRuntime<K, V> runtime;
        CompletableFuture<Boolean> firstVerdict;
        synchronized (this) {
            ensureOpen();
            runtime = engine.newRuntime(database);
            firstVerdict = engine.add(runtime);
        }
        try {
            firstVerdict.get(engine.startBound().toMillis(), TimeUnit.MILLISECONDS);
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
        return runtime.view();
    }

    /**
     * Removes a database; traffic leaves it first when it is active.
     *
     * @throws IllegalArgumentException  for a database this client does not have
     * @throws IllegalStateException     for the last database
     * @throws NoValidDatabaseException  for the active database when no other is usable
     */
    @Override
    public void removeDatabase(Database database) {
        ensureOpen();
        engine.await(engine.controller.remove(Config.requireNonNull("database", database)));
    }

    /**
     * Changes a database's weight; traffic moves at once if this makes another healthy database
     * the heaviest.
     *
     * @throws IllegalArgumentException for an unknown database or a weight that is not positive and finite
     */
    @Override
    public void updateDatabaseWeight(Database database, double weight) {
        ensureOpen();
        Config.requireNonNull("database", database);
        if (!(weight > 0) || Double.isInfinite(weight)) {
            throw new IllegalArgumentException("weight must be a positive finite number, was " + weight);
        }
        engine.await(engine.controller.updateWeight(database, weight));
    }

    /** A snapshot of every database and of the active one. */
    @Override
    public MultiDbStatus status() {
        return StatusSnapshot.of(engine.controller, engine.events);
    }

    /** Adds a health check to every database's next runs. */
    @Override
    public void addHealthCheck(HealthCheck check) {
        ensureOpen();
        engine.healthChecks.add(Config.requireNonNull("healthCheck", check));
    }

    /** Adds a failure detector; it sees every command outcome from now on. */
    @Override
    public void addFailureDetector(FailureDetector detector) {
        ensureOpen();
        Config.requireNonNull("failureDetector", detector);
        engine.detectors.add(detector);
    }

    /**
     * Registers a listener for an event type (and its subtypes). Listeners run on the client's
     * event thread, never on a command thread; a throwing listener is logged and skipped.
     */
    @Override
    public <E extends MultiDbEvent> void addListener(Class<E> type, Consumer<? super E> listener) {
        engine.events.addListener(Config.requireNonNull("type", type), Config.requireNonNull("listener", listener));
    }

    /** Unregisters a listener added with {@link #addListener}; unknown listeners are ignored. */
    @Override
    public void removeListener(Consumer<?> listener) {
        engine.events.removeListener(listener);
    }

    /** The configuration the client was created with. */
    @Override
    public MultiDbConfig config() {
        return engine.config;
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
        engine.shutdown();
    }
}
