package dev.multidb.bench.compare;

import java.time.Duration;
import java.util.List;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.failover.MultiDbClient;
import io.lettuce.core.failover.api.DatabaseConfig;
import io.lettuce.core.failover.api.MultiDbOptions;
import io.lettuce.core.failover.api.StatefulRedisMultiDbConnection;
import io.lettuce.core.failover.health.HealthCheckStrategy;
import io.lettuce.core.failover.health.PingStrategy;

/**
 * Lettuce 7.7's own {@code io.lettuce.core.failover.MultiDbClient} (experimental API). Active endpoint from
 * {@code connection.getCurrentEndpoint()}.
 *
 * <p>Defaults (from the 7.7.0 sources): PING health check every 5 s, 1 s probe timeout, 3 probes 500 ms apart;
 * circuit breaker 10 % failure rate over a 2 s window with at least 1000 failures; command timeout = RedisURI default
 * (60 s); failback checked every 120 s, 60 s grace period. Tuned: health check every 1 s with 300 ms timeout, 1 s
 * command and connect timeout, failback checked every 1 s with a 2 s grace period.
 */
final class LettuceMultiDbAdapter implements BenchClient {

    private final MultiDbClient client;
    private final StatefulRedisMultiDbConnection<String, String> connection;
    private final RedisCommands<String, String> sync;
    private final Endpoints endpoints;

    LettuceMultiDbAdapter(Endpoints e, boolean tuned) {
        this.endpoints = e;
        List<DatabaseConfig> databases = List.of(database(e.primaryHost(), e.primaryPort(), 1.0f, tuned),
                database(e.standbyHost(), e.standbyPort(), 0.5f, tuned));
        MultiDbOptions options = tuned
                ? MultiDbOptions.builder().failbackCheckInterval(Duration.ofSeconds(1)).gracePeriod(Duration.ofSeconds(2))
                        .build()
                : MultiDbOptions.create();
        client = MultiDbClient.create(databases, options);
        connection = client.connect();
        sync = connection.sync();
    }

    private static DatabaseConfig database(String host, int port, float weight, boolean tuned) {
        RedisURI.Builder uri = RedisURI.builder().withHost(host).withPort(port);
        if (!tuned) {
            return DatabaseConfig.builder(uri.build()).weight(weight).build();
        }
        uri.withTimeout(Duration.ofSeconds(1));
        HealthCheckStrategy.Config health = HealthCheckStrategy.Config.builder().interval(1000).timeout(300).build();
        return DatabaseConfig.builder(uri.build()).weight(weight)
                .clientOptions(ClientOptions.builder()
                        .socketOptions(SocketOptions.builder().connectTimeout(Duration.ofSeconds(1)).build()).build())
                .healthCheckStrategySupplier((redisUri, factory) -> new PingStrategy(factory, health))
                .build();
    }

    @Override
    public void set(String key, String value) {
        sync.set(key, value);
    }

    @Override
    public String get(String key) {
        return sync.get(key);
    }

    @Override
    public String activeName() {
        return endpoints.nameOf(connection.getCurrentEndpoint().getPort());
    }

    @Override
    public void close() {
        try {
            connection.close();
        } finally {
            client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }
    }
}
