package dev.multidb.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;

import dev.multidb.Database;
import dev.multidb.circuit.CircuitState;
import dev.multidb.health.HealthCheckTarget;
import dev.multidb.health.ReplicationLagHealthCheck;
import dev.multidb.health.ReplicationLagHealthCheck.Role;
import dev.multidb.testkit.RedisServer;

/** {@link ReplicationLagHealthCheck} against a real primary/replica pair. */
class ReplicationLagIT {

    private static final Duration SYNC = Duration.ofSeconds(30);

    // No 5 s wait before the diskless full sync: the replica is in sync as soon as it can be.
    private final RedisServer primary = RedisServer.start("--repl-diskless-sync-delay", "0");
    private final RedisServer replica = RedisServer.start("--replicaof", "127.0.0.1", String.valueOf(primary.port()));
    private final RedisClient client = RedisClient.create();
    private final StatefulRedisConnection<String, String> toReplica =
            client.connect(RedisURI.create(replica.uri()));
    private final StatefulRedisConnection<String, String> toPrimary =
            client.connect(RedisURI.create(primary.uri()));

    @AfterEach
    void closeEverything() {
        toReplica.close();
        toPrimary.close();
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        replica.close();
        primary.close();
    }

    @Test
    void replicaIsHealthyInSyncUnhealthyWithoutItsPrimaryAndHealthyAgainAfterARestart() throws Exception {
        ReplicationLagHealthCheck check = ReplicationLagHealthCheck.builder().expectRole(Role.REPLICA).build();
        HealthCheckTarget target = target("replica", replica, toReplica);

        await().atMost(SYNC).until(() -> verdict(check, target) == null);
        primary.command("SET", "k", "v");
        assertThat(verdict(check, target)).isNull();

        primary.kill();
        await().atMost(SYNC).until(() -> verdict(check, target) != null);
        assertThat(verdict(check, target)).contains("replication link to primary 127.0.0.1:" + primary.port() + " is down");

        primary.restart();
        await().atMost(SYNC).until(() -> verdict(check, target) == null);
    }

    @Test
    void primaryNeedsItsMinimumOfInSyncReplicas() throws Exception {
        HealthCheckTarget target = target("primary", primary, toPrimary);
        ReplicationLagHealthCheck anyPrimary = ReplicationLagHealthCheck.builder().build();
        ReplicationLagHealthCheck oneReplica = ReplicationLagHealthCheck.builder().minReplicas(1).expectRole(Role.PRIMARY).build();

        assertThat(verdict(anyPrimary, target)).isNull();
        await().atMost(SYNC).until(() -> verdict(oneReplica, target) == null);

        replica.kill();
        await().atMost(SYNC).until(() -> verdict(oneReplica, target) != null);
        assertThat(verdict(oneReplica, target)).contains("0 replica(s) in sync, minReplicas 1");
        assertThat(verdict(anyPrimary, target)).isNull();
    }

    @Test
    void aDatabaseInTheWrongRoleIsUnhealthy() throws Exception {
        ReplicationLagHealthCheck mustBeReplica = ReplicationLagHealthCheck.builder().expectRole(Role.REPLICA).build();
        assertThat(verdict(mustBeReplica, target("primary", primary, toPrimary))).contains("is a primary, expected a replica");
    }

    /** {@code null} when healthy, else the reason. */
    private static String verdict(ReplicationLagHealthCheck check, HealthCheckTarget target) throws Exception {
        try {
            assertThat(check.check(target).toCompletableFuture().get(5, TimeUnit.SECONDS)).isTrue();
            return null;
        } catch (ExecutionException e) {
            return e.getCause().getMessage();
        }
    }

    private static HealthCheckTarget target(String name, RedisServer server, StatefulRedisConnection<String, String> connection) {
        RedisURI uri = RedisURI.create(server.uri());
        Database db = (Database) Proxy.newProxyInstance(Database.class.getClassLoader(), new Class<?>[] {Database.class},
                (proxy, method, args) -> switch (method.getName()) {
                    case "name", "toString" -> name;
                    case "uri" -> uri;
                    case "healthCheckUrl" -> null;
                    case "weight" -> 1.0;
                    case "circuitState" -> CircuitState.CLOSED;
                    case "isHealthy" -> true;
                    case "hashCode" -> System.identityHashCode(proxy);
                    case "equals" -> proxy == args[0];
                    default -> throw new UnsupportedOperationException(method.getName());
                });
        return new HealthCheckTarget() {
            @Override
            public Database database() {
                return db;
            }

            @Override
            public RedisAsyncCommands<String, String> commands() {
                return connection.async();
            }
        };
    }
}
