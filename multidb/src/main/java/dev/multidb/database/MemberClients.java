package dev.multidb.database;

import java.time.Duration;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.resource.ClientResources;

import dev.multidb.DatabaseConfig;
import io.lettuce.core.RedisURI;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions;
import io.lettuce.core.cluster.RedisClusterClient;

/**
 * Creates (or adopts) the Lettuce client of one member database, with the options the
 * multi-database layer depends on: a connection never reconnects, replays or buffers commands by
 * itself, and every command times out on its own.
 */
public final class MemberClients {

    /** How often a member cluster's topology is read again, besides the adaptive refreshes. */
    public static final Duration CLUSTER_TOPOLOGY_REFRESH = Duration.ofSeconds(2);

    private static final System.Logger LOG = System.getLogger(MemberClients.class.getName());

    private MemberClients() {
    }

    /**
     * The URI multidb connects with: the configured one, its timeout replaced by {@code handshakeTimeout}
     * (the command timeout), which bounds Lettuce's connection handshake (HELLO, AUTH, SELECT). A
     * timeout the URL set itself is not silently dropped: the override is logged once.
     */
    public static RedisURI withHandshakeTimeout(DatabaseConfig config, Duration handshakeTimeout) {
        Duration own = config.uri().getTimeout();
        if (!own.equals(RedisURI.DEFAULT_TIMEOUT_DURATION) && !own.equals(handshakeTimeout)) {
            LOG.log(System.Logger.Level.WARNING, "database '" + config.name() + "': the URL's timeout (" + own + ") is replaced"
                    + " by commandTimeout (" + handshakeTimeout + "), which bounds every command and the connection handshake");
        }
        if (!config.uri().getSentinels().isEmpty()) {
            return withSentinels(config.uri(), handshakeTimeout);
        }
        return RedisURI.builder(config.uri()).withTimeout(handshakeTimeout).build();
    }

    /**
     * A copy of a Sentinel group's URI with {@code timeout}: {@code RedisURI.builder(uri)} would drop the
     * Sentinels and the master name.
     */
    private static RedisURI withSentinels(RedisURI source, Duration timeout) {
        RedisURI.Builder b = RedisURI.builder().withSentinelMasterId(source.getSentinelMasterId());
        for (RedisURI sentinel : source.getSentinels()) {
            b.withSentinel(sentinel); // each keeps its own settings (password, TLS); build() gives it the timeout
        }
        b.withAuthentication(source).withSsl(source).withDatabase(source.getDatabase()).withTimeout(timeout);
        if (source.getClientName() != null) {
            b.withClientName(source.getClientName());
        }
        return b.build();
    }

    /**
     * A cluster client for {@code config}, whose URI is a seed node: the same overrides as for a
     * single endpoint, plus a topology that follows the cluster's own failovers (periodic and
     * adaptive refresh) and the handshake bounded by {@code handshakeTimeout}.
     */
    public static RedisClusterClient clusterClientFor(DatabaseConfig config, ClientResources resources,
            Duration connectTimeout, Duration handshakeTimeout) {
        if (config.client() != null) {
            throw new IllegalArgumentException("database '" + config.name() + "': an existing RedisClient cannot be a Redis"
                    + " Cluster member; give its seed URL instead");
        }
        RedisURI seed = withHandshakeTimeout(config, handshakeTimeout);
        RedisClusterClient client = RedisClusterClient.create(resources, seed);
        ClientOptions base = config.clientOptions() != null ? withConnectTimeout(config.clientOptions(), connectTimeout)
                : ClientOptions.builder().socketOptions(SocketOptions.builder().connectTimeout(connectTimeout).build()).build();
        client.setOptions(ClusterClientOptions.builder(base)
                .autoReconnect(false)
                // Node connections open lazily: a command must wait for its node's connection rather
                // than be rejected while it opens. A node connection lost later buffers nothing for
                // long: its commands time out (never written, so safe to retry) and the member's
                // cluster connection is replaced (see CommandRouter).
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.ACCEPT_COMMANDS)
                .timeoutOptions(TimeoutOptions.builder().timeoutCommands(true).connectionTimeout().build())
                .topologyRefreshOptions(ClusterTopologyRefreshOptions.builder()
                        .enablePeriodicRefresh(CLUSTER_TOPOLOGY_REFRESH).enableAllAdaptiveRefreshTriggers().build())
                .build());
        return client;
    }

    /**
     * The application's options with multidb's {@code connectTimeout} when they left Lettuce's default (10 s)
     * in place: options given only for TLS ({@code sslOptions}) must not quietly slow down the detection of a
     * dead host. A connect timeout the options set themselves is kept.
     */
    static ClientOptions withConnectTimeout(ClientOptions options, Duration connectTimeout) {
        SocketOptions socket = options.getSocketOptions();
        if (!socket.getConnectTimeout().equals(SocketOptions.DEFAULT_CONNECT_TIMEOUT_DURATION)) {
            return options;
        }
        return options.mutate().socketOptions(socket.mutate().connectTimeout(connectTimeout).build()).build();
    }

    /**
     * A new client for {@code config}, owned by multidb: on {@code resources}, or, for a database
     * given as the application's own {@code RedisClient}, on that client's resources with a copy of
     * its options. The application's client is never changed: the overrides below would otherwise
     * stop its own connections from reconnecting.
     */
    public static RedisClient clientFor(DatabaseConfig config, ClientResources resources, Duration connectTimeout) {
        ClientResources on = config.client() != null ? config.client().getResources() : resources;
        RedisClient client = RedisClient.create(on, config.uri());
        boolean userOptions = config.clientOptions() != null || config.client() != null;
        ClientOptions base;
        if (config.clientOptions() != null) {
            base = withConnectTimeout(config.clientOptions(), connectTimeout);
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
