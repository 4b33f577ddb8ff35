package dev.multidb.bench.chaos;

import java.util.List;
import java.util.function.Consumer;

import dev.multidb.Database;
import dev.multidb.DatabaseConfig;
import dev.multidb.MultiDbClient;
import dev.multidb.MultiDbClusterClient;
import dev.multidb.MultiDbConfig;
import dev.multidb.MultiDbEvent;
import dev.multidb.MultiDbPubSub;
import io.lettuce.core.TransactionResult;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;

/** The part of {@link MultiDbClient} and {@link MultiDbClusterClient} the soak uses, so one workload drives both. */
interface ChaosClient extends AutoCloseable {

    RedisClusterCommands<String, String> sync();

    List<Object> pipeline(Consumer<RedisAsyncCommands<String, String>> body);

    TransactionResult transaction(Consumer<RedisCommands<String, String>> callback, String... watchKeys);

    MultiDbPubSub<String, String> pubsub();

    List<Database> databases();

    Database activeDatabase();

    long activeDatabaseChanges();

    Database addDatabase(DatabaseConfig database);

    void removeDatabase(Database database);

    void updateDatabaseWeight(Database database, double weight);

    <E extends MultiDbEvent> void addListener(Class<E> type, Consumer<? super E> listener);

    @Override
    void close();

    static ChaosClient create(MultiDbConfig config, boolean cluster) {
        return cluster ? new Cluster(MultiDbClusterClient.create(config)) : new Standalone(MultiDbClient.create(config));
    }

    /** Plain {@link MultiDbClient}. */
    record Standalone(MultiDbClient<String, String> client) implements ChaosClient {
        public RedisClusterCommands<String, String> sync() {
            return client.sync();
        }

        public List<Object> pipeline(Consumer<RedisAsyncCommands<String, String>> body) {
            return client.pipeline(body);
        }

        public TransactionResult transaction(Consumer<RedisCommands<String, String>> callback, String... watchKeys) {
            return client.transaction(callback, watchKeys);
        }

        public MultiDbPubSub<String, String> pubsub() {
            return client.pubsub();
        }

        public List<Database> databases() {
            return client.databases();
        }

        public Database activeDatabase() {
            return client.activeDatabase();
        }

        public long activeDatabaseChanges() {
            return client.activeDatabaseChanges();
        }

        public Database addDatabase(DatabaseConfig database) {
            return client.addDatabase(database);
        }

        public void removeDatabase(Database database) {
            client.removeDatabase(database);
        }

        public void updateDatabaseWeight(Database database, double weight) {
            client.updateDatabaseWeight(database, weight);
        }

        public <E extends MultiDbEvent> void addListener(Class<E> type, Consumer<? super E> listener) {
            client.addListener(type, listener);
        }

        public void close() {
            client.close();
        }
    }

    /** {@link MultiDbClusterClient} over Redis Cluster members. */
    record Cluster(MultiDbClusterClient<String, String> client) implements ChaosClient {
        public RedisClusterCommands<String, String> sync() {
            return client.sync();
        }

        public List<Object> pipeline(Consumer<RedisAsyncCommands<String, String>> body) {
            return client.pipeline(body);
        }

        public TransactionResult transaction(Consumer<RedisCommands<String, String>> callback, String... watchKeys) {
            return client.transaction(callback, watchKeys);
        }

        public MultiDbPubSub<String, String> pubsub() {
            return client.pubsub();
        }

        public List<Database> databases() {
            return client.databases();
        }

        public Database activeDatabase() {
            return client.activeDatabase();
        }

        public long activeDatabaseChanges() {
            return client.activeDatabaseChanges();
        }

        public Database addDatabase(DatabaseConfig database) {
            return client.addDatabase(database);
        }

        public void removeDatabase(Database database) {
            client.removeDatabase(database);
        }

        public void updateDatabaseWeight(Database database, double weight) {
            client.updateDatabaseWeight(database, weight);
        }

        public <E extends MultiDbEvent> void addListener(Class<E> type, Consumer<? super E> listener) {
            client.addListener(type, listener);
        }

        public void close() {
            client.close();
        }
    }
}
