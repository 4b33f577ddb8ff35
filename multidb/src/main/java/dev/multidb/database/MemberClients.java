package dev.multidb.database;

import java.time.Duration;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.resource.ClientResources;

import dev.multidb.DatabaseConfig;

/**
 * Creates (or adopts) the Lettuce client of one member database, with the options the
 * multi-database layer depends on: a connection never reconnects, replays or buffers commands by
 * itself, and every command times out on its own.
 */
public final class MemberClients {

    private static final System.Logger LOG = System.getLogger(MemberClients.class.getName());

    private MemberClients() {
    }

    /** The client for {@code config}: the application's own (adopted) or a new one on {@code resources}. */
    public static RedisClient clientFor(DatabaseConfig config, ClientResources resources, Duration connectTimeout) {
        RedisClient client = config.client() != null ? config.client() : RedisClient.create(resources, config.uri());
        boolean userOptions = config.clientOptions() != null || config.client() != null;
        ClientOptions base;
        if (config.clientOptions() != null) {
            base = config.clientOptions();
        } else if (config.client() != null) {
            base = config.client().getOptions();
        } else {
            base = ClientOptions.builder().socketOptions(SocketOptions.builder().connectTimeout(connectTimeout).build()).build();
        }
        if (userOptions && base.isAutoReconnect()) {
            LOG.log(System.Logger.Level.INFO, "database '" + config.name() + "': autoReconnect overridden to false and"
                    + " disconnectedBehavior to REJECT_COMMANDS; multidb reconnects and retries at the multi-database layer");
        }
        client.setOptions(base.mutate()
                .autoReconnect(false)
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                // Each connection gets its own timeout (commands vs. health probes): see setTimeout.
                .timeoutOptions(TimeoutOptions.builder().timeoutCommands(true).connectionTimeout().build())
                .build());
        return client;
    }
}
