package dev.multidb.bench.chaos;

import io.lettuce.core.cluster.api.sync.RedisClusterCommands;

import dev.multidb.MultiDbClient;
import dev.multidb.MultiDbClusterClient;
import dev.multidb.MultiDbConfig;
import dev.multidb.MultiDbEndpoint;

/**
 * A {@link MultiDbClient} or a {@link MultiDbClusterClient}, so one workload drives both: what they
 * share is the {@link MultiDbEndpoint}; their synchronous command APIs differ only in type, and
 * the soak uses the commands both have.
 */
record ChaosClient(MultiDbEndpoint<String, String> endpoint, RedisClusterCommands<String, String> sync)
        implements AutoCloseable {

    static ChaosClient create(MultiDbConfig config, boolean cluster) {
        if (cluster) {
            MultiDbClusterClient<String, String> client = MultiDbClusterClient.create(config);
            return new ChaosClient(client, client.sync());
        }
        MultiDbClient<String, String> client = MultiDbClient.create(config);
        return new ChaosClient(client, client.sync());
    }

    @Override
    public void close() {
        endpoint.close();
    }
}
