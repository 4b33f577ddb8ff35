package dev.multidb.bench.compare;

import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.JedisClientConfig;
import redis.clients.jedis.MultiDbClient;
import redis.clients.jedis.MultiDbConfig;
import redis.clients.jedis.mcf.HealthCheckStrategy;
import redis.clients.jedis.mcf.PingStrategy;

/**
 * Jedis 8's own {@code redis.clients.jedis.MultiDbClient} (API read from the 8.0.0 jar with javap). Active endpoint
 * from {@code getActiveDatabaseEndpoint()}.
 *
 * <p>Defaults: whatever {@code MultiDbConfig.Builder} and {@code DefaultJedisClientConfig} give (2 s socket timeout,
 * {@code PingStrategy.DEFAULT} health check). Tuned: PING health check every 1 s with a 300 ms timeout, 1 s
 * socket/connect timeout, failback checked every 1 s with a 2 s grace period.
 */
final class JedisMultiDbAdapter implements BenchClient {

    private final MultiDbClient client;
    private final Endpoints endpoints;

    JedisMultiDbAdapter(Endpoints e, boolean tuned) {
        this.endpoints = e;
        JedisClientConfig clientConfig = tuned ? DefaultJedisClientConfig.builder().timeoutMillis(1000).build()
                : DefaultJedisClientConfig.builder().build();
        MultiDbConfig.Builder config = new MultiDbConfig.Builder()
                .database(database(e.primaryHost(), e.primaryPort(), 1.0f, clientConfig, tuned))
                .database(database(e.standbyHost(), e.standbyPort(), 0.5f, clientConfig, tuned));
        if (tuned) {
            config.failbackCheckInterval(1000).gracePeriod(2000);
        }
        client = MultiDbClient.builder().multiDbConfig(config.build()).build();
    }

    private static MultiDbConfig.DatabaseConfig database(String host, int port, float weight, JedisClientConfig cc,
            boolean tuned) {
        MultiDbConfig.DatabaseConfig.Builder b = MultiDbConfig.DatabaseConfig.builder(new HostAndPort(host, port), cc)
                .weight(weight);
        if (tuned) {
            HealthCheckStrategy.Config health = HealthCheckStrategy.Config.builder().interval(1000).timeout(300).build();
            b.healthCheckStrategySupplier((hostAndPort, jedisConfig) -> new PingStrategy(hostAndPort, jedisConfig, health));
        }
        return b.build();
    }

    @Override
    public void set(String key, String value) {
        client.set(key, value);
    }

    @Override
    public String get(String key) {
        return client.get(key);
    }

    @Override
    public String activeName() {
        return endpoints.nameOf(client.getActiveDatabaseEndpoint().getPort());
    }

    @Override
    public void close() {
        client.close();
    }
}
