package dev.multidb;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

import io.lettuce.core.TransactionResult;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.api.sync.RedisCommands;

import dev.multidb.detect.FailureDetector;
import dev.multidb.health.HealthCheck;

/**
 * What {@link MultiDbClient} (single endpoints) and {@link MultiDbClusterClient} (Redis Cluster
 * members) have in common: the member databases and their management, pipelines, transactions,
 * Pub/Sub, events and status. Tools and applications that manage either kind write against this
 * interface; the command APIs ({@code sync()}, {@code async()}, {@code reactive()},
 * {@code connect()}) differ by kind and live on the two classes. Implementations are thread-safe.
 *
 * @param <K> key type
 * @param <V> value type
 */
public interface MultiDbEndpoint<K, V> extends AutoCloseable {

    /**
     * A new pipeline: record commands with {@link Pipeline#commands()}, then {@link Pipeline#execute()}
     * sends them to the active database in one write.
     *
     * @return a new, empty pipeline; not thread-safe (one pipeline per thread)
     */
    Pipeline<K, V> pipeline();

    /**
     * Records the commands {@code body} issues and runs them as one pipeline.
     *
     * @param body issues the commands on Lettuce's async API; it must not wait for their futures
     * @return the replies in order (a Redis error reply appears as its exception)
     */
    List<Object> pipeline(Consumer<RedisAsyncCommands<K, V>> body);

    /**
     * As {@link #pipeline(Consumer)}, without waiting.
     *
     * @param body issues the commands on Lettuce's async API
     * @return a future of the replies in order
     */
    CompletableFuture<List<Object>> pipelineAsync(Consumer<RedisAsyncCommands<K, V>> body);

    /**
     * Runs {@code callback} as a transaction pinned to one dedicated connection on the active
     * database, watching {@code watchKeys}; see {@link MultiDbClient#transaction} for when it is
     * re-run and what it throws.
     *
     * @param callback sends the transaction's commands: reads, then {@code multi()} and the queued writes
     * @param watchKeys the keys to WATCH before the callback runs (required for a Redis Cluster member)
     * @return Lettuce's result of EXEC
     */
    @SuppressWarnings("unchecked")
    TransactionResult transaction(Consumer<RedisCommands<K, V>> callback, K... watchKeys);

    /**
     * A Pub/Sub session that follows the active database. Close it when done (closing the client
     * closes the ones still open).
     *
     * @return a new Pub/Sub session
     */
    MultiDbPubSub<K, V> pubsub();

    /**
     * The member databases.
     *
     * @return a read-only snapshot, in the order they were configured or added
     */
    List<Database> databases();

    /**
     * The database that carries traffic now.
     *
     * @return the active database, or {@code null} when none is usable
     */
    Database activeDatabase();

    /**
     * How many times the active database has changed since the client was created; see
     * {@link MultiDbClient#activeDatabaseChanges()} for how to tell which database served a call.
     *
     * @return the number of switches so far
     */
    long activeDatabaseChanges();

    /**
     * Makes {@code database} active now; auto fallback leaves it alone while it stays healthy.
     *
     * @param database one of {@link #databases()}
     * @throws NoValidDatabaseException when its last health check failed
     */
    void setActiveDatabase(Database database);

    /**
     * Adds a database at run time, waiting for its first health verdict.
     *
     * @param database the new database's configuration
     * @return the database as the client sees it
     * @throws IllegalArgumentException for a duplicate endpoint or name
     */
    Database addDatabase(DatabaseConfig database);

    /**
     * Removes a database; traffic leaves it first when it is active.
     *
     * @param database one of {@link #databases()}
     * @throws IllegalArgumentException  for a database this client does not have
     * @throws IllegalStateException     for the last database
     * @throws NoValidDatabaseException  for the active database when no other is usable
     */
    void removeDatabase(Database database);

    /**
     * Changes a database's weight; traffic moves at once if another healthy database becomes the heaviest.
     *
     * @param database one of {@link #databases()}
     * @param weight the new weight, positive and finite
     * @throws IllegalArgumentException for an unknown database or a weight that is not positive and finite
     */
    void updateDatabaseWeight(Database database, double weight);

    /**
     * A snapshot of every database and of the active one.
     *
     * @return the status now; it does not change afterwards
     */
    MultiDbStatus status();

    /**
     * Operator controls: force a database active for maintenance, drain a database.
     *
     * @return the controls (see {@link Maintenance})
     */
    Maintenance maintenance();

    /**
     * Adds a health check, run for every database from its next check on.
     *
     * @param check the check; it must be thread-safe
     */
    void addHealthCheck(HealthCheck check);

    /**
     * Adds a failure detector, fed by every database's commands from now on.
     *
     * @param detector the detector; it must be thread-safe
     */
    void addFailureDetector(FailureDetector detector);

    /**
     * Calls {@code listener} for every event of {@code type}, on the client's event thread.
     *
     * @param <E> the event type
     * @param type the events to hear ({@code MultiDbEvent.class} for all)
     * @param listener called in order, one event at a time; it must not block
     */
    <E extends MultiDbEvent> void addListener(Class<E> type, Consumer<? super E> listener);

    /**
     * Stops calling {@code listener}.
     *
     * @param listener a listener given to {@link #addListener}
     */
    void removeListener(Consumer<?> listener);

    /**
     * The configuration the client was created with.
     *
     * @return the immutable configuration
     */
    MultiDbConfig config();

    /** Closes every connection and stops every thread the client started; idempotent. */
    @Override
    void close();
}
