package dev.multidb.database;

import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.cluster.api.async.RedisAdvancedClusterAsyncCommands;

import dev.multidb.Database;
import dev.multidb.health.HealthCheckTarget;

/** The two shapes of what a health check sees: one endpoint's commands, or a cluster's. */
final class HealthTargets {

    private HealthTargets() {
    }

    static HealthCheckTarget standalone(Database database, RedisAsyncCommands<String, String> commands) {
        return new Target(database, commands, null);
    }

    static HealthCheckTarget cluster(Database database, RedisAdvancedClusterAsyncCommands<String, String> commands) {
        return new Target(database, null, commands);
    }

    /** Exactly one of {@code single} and {@code cluster} is set. */
    private record Target(Database database, RedisAsyncCommands<String, String> single,
            RedisAdvancedClusterAsyncCommands<String, String> cluster) implements HealthCheckTarget {

        @Override
        public RedisAsyncCommands<String, String> commands() {
            if (single == null) {
                throw new UnsupportedOperationException("database '" + database.name() + "' is a Redis Cluster: use clusterCommands()");
            }
            return single;
        }

        @Override
        public RedisAdvancedClusterAsyncCommands<String, String> clusterCommands() {
            return cluster;
        }
    }
}
