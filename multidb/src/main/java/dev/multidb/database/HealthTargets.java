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
        return new HealthCheckTarget() {
            @Override
            public Database database() {
                return database;
            }

            @Override
            public RedisAsyncCommands<String, String> commands() {
                return commands;
            }
        };
    }

    static HealthCheckTarget cluster(Database database, RedisAdvancedClusterAsyncCommands<String, String> commands) {
        return new HealthCheckTarget() {
            @Override
            public Database database() {
                return database;
            }

            @Override
            public RedisAsyncCommands<String, String> commands() {
                throw new UnsupportedOperationException("database '" + database.name() + "' is a Redis Cluster: use clusterCommands()");
            }

            @Override
            public RedisAdvancedClusterAsyncCommands<String, String> clusterCommands() {
                return commands;
            }
        };
    }
}
