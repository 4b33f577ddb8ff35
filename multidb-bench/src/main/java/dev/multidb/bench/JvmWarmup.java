package dev.multidb.bench;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;

/**
 * Opens and closes one plain Lettuce connection so that Netty and Lettuce are loaded and initialised before a
 * {@code MultiDbClient} is created.
 *
 * <p>Why: on the 2-core benchmark machine the first Lettuce connection of a fresh JVM takes 1.4–1.6 s (class loading,
 * Netty event loop start-up). multidb's initial health check gives each probe 500 ms and requires all 3 probes to pass
 * (HEALTHY_ALL), so the first {@code MultiDbClient.create()} in a cold JVM fails with NoValidDatabaseException
 * ("1 of 2 databases healthy"). Later clients in the same JVM start fine. See BENCHMARKS.md.
 */
final class JvmWarmup {

    private JvmWarmup() {
    }

    static void lettuce(String uri) {
        RedisClient client = RedisClient.create(uri);
        try (StatefulRedisConnection<String, String> connection = client.connect()) {
            connection.sync().echo("warm-up");
        } finally {
            client.shutdown();
        }
    }
}
