package dev.multidb.database;

import java.util.concurrent.CompletableFuture;

import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;

import dev.multidb.Database;
import dev.multidb.health.HealthCheckTarget;

/**
 * How one member database is reached: a single endpoint ({@link StandaloneMember}) or a Redis
 * Cluster ({@link ClusterMember}). Everything else about a member (circuit, health, routing) is
 * the same for both.
 */
public interface Member<K, V> {

    /** A new connection for application commands. Its channel writer is where routed commands go. */
    CompletableFuture<StatefulConnection<K, V>> connectCommands();

    /** PING over a command connection, proving it live. */
    CompletableFuture<String> ping(StatefulConnection<K, V> connection);

    /** A new connection for health checks (String codec). */
    CompletableFuture<StatefulConnection<String, String>> connectHealth();

    /** What a health check sees of {@code database} over {@code connection}. */
    HealthCheckTarget healthTarget(Database database, StatefulConnection<String, String> connection);

    /** A new Pub/Sub connection, owned by the caller. */
    CompletableFuture<StatefulRedisPubSubConnection<K, V>> connectPubSub();

    /** A new dedicated connection (transactions, blocking commands), owned by the caller. */
    CompletableFuture<StatefulRedisConnection<K, V>> connectDedicated();

    /**
     * A new dedicated connection to the node that owns {@code slot}, owned by the caller; for a
     * single endpoint, the same as {@link #connectDedicated()}.
     */
    default CompletableFuture<StatefulRedisConnection<K, V>> connectDedicated(int slot) {
        return connectDedicated();
    }

    /**
     * For a Sentinel-managed group whose master does not answer: what its Sentinels say when they answer and have
     * a replica to promote (a failover inside the group, not the database failing), else {@code null}. Always
     * {@code null} for other members.
     */
    default CompletableFuture<String> failingOver() {
        return CompletableFuture.completedFuture(null);
    }

    /** Shuts down what multidb created for this member (never the application's own client). */
    CompletableFuture<Void> shutdown();
}
