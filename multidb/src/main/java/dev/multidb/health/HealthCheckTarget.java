package dev.multidb.health;

import dev.multidb.Database;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.cluster.api.async.RedisAdvancedClusterAsyncCommands;

/** What a {@link HealthCheck} may use: the database and a dedicated, long-lived health connection to it. */
public interface HealthCheckTarget {

    /** {@return the database under check} */
    Database database();

    /**
     * Commands on the database's dedicated health-check connection (never the connection that
     * carries application traffic). Commands time out after the probe timeout.
     *
     * @return the commands; for a Redis Cluster database, see {@link #clusterCommands()}
     */
    RedisAsyncCommands<String, String> commands();

    /**
     * For a Redis Cluster database: commands on its dedicated health-check cluster connection
     * (select nodes with {@code nodes(predicate)}), or {@code null} for a single endpoint, whose
     * {@link #commands()} to use instead.
     *
     * @return the cluster commands, or {@code null}
     */
    default RedisAdvancedClusterAsyncCommands<String, String> clusterCommands() {
        return null;
    }
}
