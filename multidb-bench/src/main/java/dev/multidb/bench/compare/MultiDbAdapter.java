package dev.multidb.bench.compare;

import java.time.Duration;

import dev.multidb.DatabaseConfig;
import dev.multidb.MultiDbClient;
import dev.multidb.MultiDbConfig;

/** This project's {@code dev.multidb.MultiDbClient}; active endpoint from {@code activeDatabase().name()}. */
final class MultiDbAdapter implements BenchClient {

    private final MultiDbClient<String, String> client;

    MultiDbAdapter(Endpoints e, boolean tuned) {
        DatabaseConfig.Builder primary = DatabaseConfig.builder()
                .fromUrl("redis://" + e.primaryHost() + ":" + e.primaryPort()).name("primary").weight(1.0);
        DatabaseConfig.Builder standby = DatabaseConfig.builder()
                .fromUrl("redis://" + e.standbyHost() + ":" + e.standbyPort()).name("standby").weight(0.5);
        if (tuned) {
            primary.gracePeriod(Duration.ofSeconds(2));
            standby.gracePeriod(Duration.ofSeconds(2));
        }
        MultiDbConfig.Builder config = MultiDbConfig.builder().database(primary.build()).database(standby.build());
        if (tuned) {
            config.healthCheckInterval(Duration.ofSeconds(1))
                    .healthCheckTimeout(Duration.ofMillis(300))
                    .stallThreshold(Duration.ofMillis(150))
                    .commandTimeout(Duration.ofSeconds(1))
                    .autoFallbackInterval(Duration.ofSeconds(1));
        }
        client = MultiDbClient.create(config.build());
    }

    @Override
    public void set(String key, String value) {
        client.sync().set(key, value);
    }

    @Override
    public String get(String key) {
        return client.sync().get(key);
    }

    @Override
    public String activeName() {
        return client.activeDatabase().name();
    }

    @Override
    public void close() {
        client.close();
    }
}
