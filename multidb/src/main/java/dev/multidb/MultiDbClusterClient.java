package dev.multidb;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

import io.lettuce.core.TransactionResult;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.async.RedisAdvancedClusterAsyncCommands;
import io.lettuce.core.cluster.api.reactive.RedisAdvancedClusterReactiveCommands;
import io.lettuce.core.cluster.api.sync.RedisAdvancedClusterCommands;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.StringCodec;

import dev.multidb.detect.FailureDetector;
import dev.multidb.health.HealthCheck;

/**
 * Several Redis Cluster deployments used as one resilient endpoint: the counterpart of
 * {@link MultiDbClient} (and of redis-py's {@code client_class=RedisCluster}) whose member
 * databases are Redis Clusters. Each {@link DatabaseConfig} gives one seed node of its cluster;
 * Lettuce discovers the topology and follows the cluster's own failovers. The API is Lettuce's
 * advanced cluster command interfaces; failover, retries, events, runtime management, status,
 * pipelines and Pub/Sub work as for {@link MultiDbClient}.
 *
 * <ul>
 * <li>Health: the default ECHO check must pass on every node of the current topology that the
 * cluster does not itself flag as failing, so a master failing over inside a cluster is not the
 * database failing, but a cluster with uncovered slots is.</li>
 * <li>Transactions and blocking commands run on a dedicated connection to the node that owns the
 * slot of their (first) key; a transaction needs a watch key, and all its keys must share its
 * slot. These node connections are opened per use, not pooled.</li>
 * <li>In a pipeline, a multi-key command must keep its keys in one slot (Redis answers CROSSSLOT
 * otherwise); the commands go to their nodes.</li>
 * </ul>
 */
public final class MultiDbClusterClient<K, V> implements MultiDbEndpoint<K, V> {

    private final MultiDbClient<K, V> engine;

    private MultiDbClusterClient(MultiDbClient<K, V> engine) {
        this.engine = engine;
    }

    /**
     * Creates a client with String keys and values; each database's URL is a seed node of its cluster.
     *
     * @param config the databases and settings
     * @return a started client; close it when done
     * @throws NoValidDatabaseException when too few clusters pass their first health check
     */
    public static MultiDbClusterClient<String, String> create(MultiDbConfig config) {
        return create(config, StringCodec.UTF8);
    }

    /**
     * Creates a client with the given codec, runs the first health check of every cluster and picks the active one.
     *
     * @param <K> key type
     * @param <V> value type
     * @param config the databases and settings
     * @param codec any Lettuce codec
     * @return a started client; close it when done
     * @throws NoValidDatabaseException when too few clusters pass their first health check
     */
    public static <K, V> MultiDbClusterClient<K, V> create(MultiDbConfig config, RedisCodec<K, V> codec) {
        return new MultiDbClusterClient<>(MultiDbClient.createForClusters(config, codec));
    }

    /**
     * Lettuce's synchronous advanced cluster API on the client's shared connection; every command
     * goes to the active cluster. Thread-safe.
     *
     * @return the shared synchronous API
     */
    public RedisAdvancedClusterCommands<K, V> sync() {
        return engine.clusterConnection().sync();
    }

    /**
     * Lettuce's asynchronous advanced cluster API on the client's shared connection; see {@link #sync()}.
     *
     * @return the shared asynchronous API
     */
    public RedisAdvancedClusterAsyncCommands<K, V> async() {
        return engine.clusterConnection().async();
    }

    /**
     * Lettuce's reactive advanced cluster API on the client's shared connection; see {@link #sync()}.
     *
     * @return the shared reactive API
     */
    public RedisAdvancedClusterReactiveCommands<K, V> reactive() {
        return engine.clusterConnection().reactive();
    }

    /**
     * A new cluster connection of the application's own, whose commands follow the active cluster
     * (and, inside it, the node that owns each key's slot), with the client's retry rules. Closing
     * it closes it alone; closing the client makes it refuse commands. As on a plain Lettuce
     * cluster connection, {@code setAutoFlushCommands(false)} buffers commands until
     * {@code flushCommands()}, which sends them as one {@link #pipeline()}. Lettuce's cluster API
     * has no MULTI: run transactions with {@link #transaction}, pinned to the node of their watch
     * key's slot. SELECT does not exist in Redis Cluster; connection-state commands (CLIENT SETNAME,
     * READONLY …) are refused, as on the shared connection.
     *
     * @return a new cluster connection; close it when done
     */
    public StatefulRedisClusterConnection<K, V> connect() {
        return engine.newClusterConnection();
    }

    /** See {@link MultiDbClient#pipeline()}. */
    @Override
    public Pipeline<K, V> pipeline() {
        return engine.pipeline();
    }

    /** See {@link MultiDbClient#pipeline(Consumer)}. */
    @Override
    public List<Object> pipeline(Consumer<RedisAsyncCommands<K, V>> body) {
        return engine.pipeline(body);
    }

    /** See {@link MultiDbClient#pipelineAsync(Consumer)}. */
    @Override
    public CompletableFuture<List<Object>> pipelineAsync(Consumer<RedisAsyncCommands<K, V>> body) {
        return engine.pipelineAsync(body);
    }

    /**
     * A transaction on the node that owns the slot of the first watch key (required); every key it
     * touches must share that slot (use a hash tag: {@code {account}:balance}). Otherwise as
     * {@link MultiDbClient#transaction}.
     */
    @Override
    @SafeVarargs
    public final TransactionResult transaction(Consumer<RedisCommands<K, V>> callback, K... watchKeys) {
        return engine.transaction(callback, watchKeys);
    }

    /** See {@link MultiDbClient#pubsub()}: Pub/Sub over the active cluster, following it across switches. */
    @Override
    public MultiDbPubSub<K, V> pubsub() {
        return engine.pubsub();
    }

    @Override
    public List<Database> databases() {
        return engine.databases();
    }

    @Override
    public Database activeDatabase() {
        return engine.activeDatabase();
    }

    /** See {@link MultiDbClient#activeDatabaseChanges()}. */
    @Override
    public long activeDatabaseChanges() {
        return engine.activeDatabaseChanges();
    }

    @Override
    public Maintenance maintenance() {
        return engine.maintenance();
    }

    @Override
    public void setActiveDatabase(Database database) {
        engine.setActiveDatabase(database);
    }

    @Override
    public Database addDatabase(DatabaseConfig database) {
        return engine.addDatabase(database);
    }

    @Override
    public void removeDatabase(Database database) {
        engine.removeDatabase(database);
    }

    @Override
    public void updateDatabaseWeight(Database database, double weight) {
        engine.updateDatabaseWeight(database, weight);
    }

    @Override
    public MultiDbStatus status() {
        return engine.status();
    }

    @Override
    public void addHealthCheck(HealthCheck check) {
        engine.addHealthCheck(check);
    }

    @Override
    public void addFailureDetector(FailureDetector detector) {
        engine.addFailureDetector(detector);
    }

    @Override
    public <E extends MultiDbEvent> void addListener(Class<E> type, Consumer<? super E> listener) {
        engine.addListener(type, listener);
    }

    @Override
    public void removeListener(Consumer<?> listener) {
        engine.removeListener(listener);
    }

    @Override
    public MultiDbConfig config() {
        return engine.config();
    }

    /** Stops every thread and closes every connection, as {@link MultiDbClient#close()}. */
    @Override
    public void close() {
        engine.close();
    }
}
