package dev.multidb;

import java.net.URISyntaxException;
import java.time.Duration;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SslVerifyMode;

/**
 * How to reach one member database, and its weight. Immutable; built with {@link #builder()}.
 * Exactly one source is given: {@link Builder#fromUrl(String)}, {@link Builder#fromUri(RedisURI)},
 * {@link Builder#host(String)}/{@link Builder#port(int)}, or an existing
 * {@link Builder#client(RedisClient, RedisURI) RedisClient} (the counterpart of redis-py's
 * {@code from_pool}).
 */
public final class DatabaseConfig {

    /** Default weight: 1.0. */
    public static final double DEFAULT_WEIGHT = 1.0;

    /** Default grace period of the circuit breaker: 60 s (the reference's value). */
    public static final Duration DEFAULT_GRACE_PERIOD = Duration.ofSeconds(60);

    private static final System.Logger LOG = System.getLogger(DatabaseConfig.class.getName());

    private final RedisURI uri;
    private final RedisClient client;
    private final ClientOptions clientOptions;
    private final double weight;
    private final Duration gracePeriod;
    private final String healthCheckUrl;
    private final String name;

    private DatabaseConfig(Builder b, RedisURI uri) {
        this.uri = uri;
        this.client = b.client;
        this.clientOptions = b.clientOptions;
        this.weight = b.weight;
        this.gracePeriod = b.gracePeriod;
        this.healthCheckUrl = b.healthCheckUrl;
        this.name = b.name != null ? b.name : isSentinel(uri) ? uri.getSentinelMasterId() : uri.getHost() + ":" + uri.getPort();
    }

    /** {@return a new builder; not thread-safe, one thread builds a config} */
    public static Builder builder() {
        return new Builder();
    }

    /** {@return the endpoint} It may carry credentials: do not log it ({@link #toString()} masks them). */
    public RedisURI uri() {
        return uri;
    }

    /** {@return the application's own client, or {@code null} when multidb creates and owns one} */
    public RedisClient client() {
        return client;
    }

    /** {@return the Lettuce client options given by the application, or {@code null}} */
    public ClientOptions clientOptions() {
        return clientOptions;
    }

    /** {@return the initial weight: the highest-weight healthy database carries the traffic} */
    public double weight() {
        return weight;
    }

    /** {@return how long the circuit stays OPEN after a failure before it may close} */
    public Duration gracePeriod() {
        return gracePeriod;
    }

    /** {@return the Redis Enterprise REST endpoint for lag-aware health checks, or {@code null}} */
    public String healthCheckUrl() {
        return healthCheckUrl;
    }

    /** {@return the name: the configured one, or {@code host:port}} */
    public String name() {
        return name;
    }

    /** {@return {@code host:port/db} (for a Sentinel group: its master name and Sentinels), the identity used to reject duplicate members} */
    public String endpoint() {
        if (isSentinel(uri)) {
            return "sentinel:" + uri.getSentinelMasterId() + "@" + uri.getSentinels().stream()
                    .map(s -> s.getHost() + ":" + s.getPort()).sorted().toList() + "/" + uri.getDatabase();
        }
        return uri.getHost() + ":" + uri.getPort() + "/" + uri.getDatabase();
    }

    /** Whether {@code uri} names a Sentinel-managed group ({@code redis-sentinel://…#master}) rather than one endpoint. */
    static boolean isSentinel(RedisURI uri) {
        return !uri.getSentinels().isEmpty();
    }

    @Override
    public String toString() {
        return "DatabaseConfig[name=" + name + ", uri=" + Masking.mask(uri) + ", weight=" + weight
                + ", gracePeriod=" + gracePeriod + (healthCheckUrl == null ? "" : ", healthCheckUrl=" + Masking.maskUrl(healthCheckUrl)) + "]";
    }

    /**
     * Builds a {@link DatabaseConfig}; {@link #build()} validates every field. Every setter returns
     * this builder. Not thread-safe.
     */
    public static final class Builder {
        private String url;
        private RedisURI fromUri;
        private String host;
        private Integer port;
        private String username;
        private char[] password;
        private Boolean ssl;
        private Integer database;
        private RedisClient client;
        private ClientOptions clientOptions;
        private double weight = DEFAULT_WEIGHT;
        private Duration gracePeriod = DEFAULT_GRACE_PERIOD;
        private String healthCheckUrl;
        private String name;

        private Builder() {
        }

        /**
         * The endpoint as a Redis URL.
         *
         * @param url {@code redis://[user:password@]host[:port][/db]}, {@code rediss://…}, or a Sentinel-managed
         *            group {@code redis-sentinel://[user:password@]sentinel1:26379,sentinel2:26379[/db]#masterName}
         * @return this builder
         */
        public Builder fromUrl(String url) {
            this.url = url;
            return this;
        }

        /**
         * The endpoint as a Lettuce {@link RedisURI}, copied by {@link #build()}.
         *
         * @param uri the endpoint
         * @return this builder
         */
        public Builder fromUri(RedisURI uri) {
            this.fromUri = uri;
            return this;
        }

        /**
         * The endpoint as a host name or address, with {@link #port(int)} (default 6379).
         *
         * @param host the host; not blank
         * @return this builder
         */
        public Builder host(String host) {
            this.host = host;
            return this;
        }

        /**
         * The port, with {@link #host(String)} or to override the URL's. Default 6379.
         *
         * @param port in 1..65535
         * @return this builder
         */
        public Builder port(int port) {
            this.port = port;
            return this;
        }

        /**
         * The user name (Redis 6 ACL), with {@link #password(CharSequence)}; overrides the URL's.
         *
         * @param username the user name
         * @return this builder
         */
        public Builder username(String username) {
            this.username = username;
            return this;
        }

        /**
         * The password; overrides the URL's. It is copied and never logged or printed.
         *
         * @param password the password, or {@code null} for none
         * @return this builder
         */
        public Builder password(CharSequence password) {
            this.password = password == null ? null : password.toString().toCharArray();
            return this;
        }

        /**
         * TLS on or off. Certificates and host name are verified by default (Lettuce's
         * {@link SslVerifyMode#FULL}); a weaker mode, e.g. {@code ?verifyPeer=NONE} in the URL, is logged as a
         * warning by {@link #build()}.
         *
         * @param ssl whether to use TLS; by default as the URL says ({@code rediss://})
         * @return this builder
         */
        public Builder ssl(boolean ssl) {
            this.ssl = ssl;
            return this;
        }

        /**
         * The logical database index (SELECT); overrides the URL's. Default 0.
         *
         * @param database 0 or more
         * @return this builder
         */
        public Builder database(int database) {
            this.database = database;
            return this;
        }

        /**
         * Lettuce client options for this database. Options that would make a connection
         * reconnect, replay or buffer commands by itself are overridden (and the override logged):
         * the multi-database layer owns retries.
         *
         * @param clientOptions the options, or {@code null} for multidb's defaults
         * @return this builder
         */
        public Builder clientOptions(ClientOptions clientOptions) {
            this.clientOptions = clientOptions;
            return this;
        }

        /**
         * Use the application's own {@link RedisClient}: its resources (event loops, metrics,
         * DNS) and a copy of its options, overridden as for {@link #clientOptions(ClientOptions)}.
         * multidb connects through a client of its own on those resources, so the application's
         * client is never changed (its connections keep reconnecting as configured) and never shut
         * down. {@code CommandListener}s registered on the application's client do not see
         * multidb's commands.
         *
         * @param client the application's client
         * @param uri    the endpoint to connect to through it
         * @return this builder
         */
        public Builder client(RedisClient client, RedisURI uri) {
            this.client = client;
            this.fromUri = uri;
            return this;
        }

        /**
         * The priority: the highest-weight healthy database carries the traffic. Default 1.0.
         *
         * @param weight a positive finite number
         * @return this builder
         */
        public Builder weight(double weight) {
            this.weight = weight;
            return this;
        }

        /**
         * How long the circuit stays OPEN after a failure before it may close. Default 60 s.
         *
         * @param gracePeriod zero or more
         * @return this builder
         */
        public Builder gracePeriod(Duration gracePeriod) {
            this.gracePeriod = gracePeriod;
            return this;
        }

        /**
         * The Redis Enterprise REST endpoint (cluster FQDN) for lag-aware health checks. It must not carry
         * credentials ({@code user:password@}): give those to {@code LagAwareHealthCheck.builder().basicAuth}.
         *
         * @param healthCheckUrl e.g. {@code https://cluster.example.com}; the REST port defaults to 9443
         * @return this builder
         */
        public Builder healthCheckUrl(String healthCheckUrl) {
            this.healthCheckUrl = healthCheckUrl;
            return this;
        }

        /**
         * A name for logs, events and status. Default {@code host:port}.
         *
         * @param name not blank; unique among the client's databases
         * @return this builder
         */
        public Builder name(String name) {
            this.name = name;
            return this;
        }

        /**
         * Validates the settings and builds the config. Logs a WARNING when TLS peer verification
         * is weaker than FULL.
         *
         * @return the config
         * @throws IllegalArgumentException naming the field and the value: no source or more than
         *         one, a malformed URL or port, a blank host or name, a weight that is not a positive
         *         finite number, a negative grace period or database index, a user name without a
         *         password, credentials in the health-check URL
         */
        public DatabaseConfig build() {
            if (!(weight > 0) || Double.isInfinite(weight)) {
                throw new IllegalArgumentException("weight must be a positive finite number, was " + weight);
            }
            Config.requireNonNegative("gracePeriod", gracePeriod);
            if (name != null && name.isBlank()) {
                throw new IllegalArgumentException("name must not be blank");
            }
            // Any '@' counts, not only one in the authority: a password may hold characters that would end it.
            if (healthCheckUrl != null && healthCheckUrl.indexOf('@') >= 0) {
                throw new IllegalArgumentException("healthCheckUrl must not carry credentials (user:password@), was '"
                        + Masking.maskUrl(healthCheckUrl) + "': use LagAwareHealthCheck.builder().basicAuth(...)");
            }
            DatabaseConfig config = new DatabaseConfig(this, resolveUri());
            warnIfTlsIsNotVerified(config);
            return config;
        }

        /** Turning peer verification off is legitimate in a lab, but must never go unnoticed in production. */
        private static void warnIfTlsIsNotVerified(DatabaseConfig config) {
            RedisURI uri = config.uri();
            if (uri.isSsl() && uri.getVerifyMode() != SslVerifyMode.FULL) {
                LOG.log(System.Logger.Level.WARNING, "database '" + config.name() + "': TLS peer verification is "
                        + uri.getVerifyMode() + ", not FULL: the server's " + (uri.getVerifyMode() == SslVerifyMode.CA
                        ? "host name is not checked" : "certificate and host name are not checked"));
            }
        }

        private RedisURI resolveUri() {
            int sources = (url != null ? 1 : 0) + (fromUri != null ? 1 : 0) + (host != null ? 1 : 0);
            if (sources == 0) {
                throw new IllegalArgumentException("one of fromUrl, fromUri, host or client must be set");
            }
            if (sources > 1) {
                throw new IllegalArgumentException("only one of fromUrl, fromUri, host or client may be set");
            }
            RedisURI.Builder b;
            RedisURI source = url != null ? parseUrl(url) : fromUri;
            if (source != null && isSentinel(source)) {
                if (port != null) {
                    throw new IllegalArgumentException("port cannot be set for a Sentinel database (its Sentinels name the master), was "
                            + port);
                }
                b = sentinelBuilder(source); // RedisURI.builder(source) would drop the Sentinels
            } else if (source != null) {
                b = RedisURI.builder(source);
            } else {
                if (host.isBlank()) {
                    throw new IllegalArgumentException("host must not be blank");
                }
                b = RedisURI.builder().withHost(host).withPort(RedisURI.DEFAULT_REDIS_PORT);
            }
            if (port != null) {
                if (port < 1 || port > 65535) {
                    throw new IllegalArgumentException("port must be in 1..65535, was " + port);
                }
                b.withPort(port);
            }
            if (password != null) {
                if (username != null) {
                    b.withAuthentication(username, password);
                } else {
                    b.withPassword(password);
                }
            } else if (username != null) {
                throw new IllegalArgumentException("username '" + username + "' given without a password");
            }
            if (ssl != null) {
                b.withSsl(ssl);
            }
            if (database != null) {
                if (database < 0) {
                    throw new IllegalArgumentException("database must be >= 0, was " + database);
                }
                b.withDatabase(database);
            }
            RedisURI uri = b.build();
            if (isSentinel(uri) && (uri.getSentinelMasterId() == null || uri.getSentinelMasterId().isBlank())) {
                throw new IllegalArgumentException("a Sentinel database needs its master name (#masterName): " + Masking.mask(uri));
            }
            if (!isSentinel(uri) && (uri.getHost() == null || uri.getHost().isBlank())) {
                throw new IllegalArgumentException("the database has no host: " + Masking.mask(uri));
            }
            return uri;
        }

        /** A builder holding {@code source}'s Sentinels, master name, credentials, TLS, database and timeout. */
        private static RedisURI.Builder sentinelBuilder(RedisURI source) {
            RedisURI.Builder b = RedisURI.builder().withSentinelMasterId(source.getSentinelMasterId());
            source.getSentinels().forEach(b::withSentinel);
            b.withAuthentication(source).withSsl(source).withDatabase(source.getDatabase()).withTimeout(source.getTimeout());
            if (source.getClientName() != null) {
                b.withClientName(source.getClientName());
            }
            return b;
        }

        private static RedisURI parseUrl(String url) {
            if (url.isBlank()) {
                throw new IllegalArgumentException("fromUrl must not be blank");
            }
            String scheme = url.contains("://") ? url.substring(0, url.indexOf("://")) : "";
            if (!scheme.equals("redis") && !scheme.equals("rediss") && !scheme.equals("redis-sentinel")) {
                throw new IllegalArgumentException("fromUrl must start with redis://, rediss:// or redis-sentinel://, was '"
                        + Masking.maskUrl(url) + "'");
            }
            requireValidPort(url);
            RedisURI uri;
            try {
                uri = RedisURI.create(url);
            } catch (RuntimeException e) {
                // Not chained: java.net.URI's exceptions quote the whole input, password included.
                throw new IllegalArgumentException("fromUrl is not a valid Redis URL: '" + Masking.maskUrl(url) + "' ("
                        + reason(url, e) + ")");
            }
            if (!isSentinel(uri) && (uri.getHost() == null || uri.getHost().isBlank())) {
                throw new IllegalArgumentException("fromUrl has no host: '" + Masking.maskUrl(url) + "'");
            }
            return uri;
        }

        /**
         * Refuses a port that is not a number in 1..65535. Lettuce would otherwise take
         * {@code redis://h:notaport} for the host {@code h:notaport} on the default port. The host part is what
         * follows the last {@code @} (as {@link Masking#maskUrl}) up to the path, query or fragment; it never
         * holds credentials, so the port may be quoted.
         */
        private static void requireValidPort(String url) {
            String rest = url.substring(url.indexOf("://") + 3);
            String hostPort = rest.substring(rest.lastIndexOf('@') + 1);
            for (char end : new char[] {'/', '?', '#'}) {
                int i = hostPort.indexOf(end);
                if (i >= 0) {
                    hostPort = hostPort.substring(0, i);
                }
            }
            String port;
            if (hostPort.startsWith("[")) { // IPv6 literal: [::1] or [::1]:6380
                int close = hostPort.indexOf(']');
                if (close < 0) {
                    throw new IllegalArgumentException("fromUrl has an unterminated IPv6 address: '" + Masking.maskUrl(url) + "'");
                }
                String after = hostPort.substring(close + 1);
                if (after.isEmpty()) {
                    return;
                }
                if (after.charAt(0) != ':') {
                    throw new IllegalArgumentException("fromUrl has '" + after + "' after its IPv6 address, expected :port: '"
                            + Masking.maskUrl(url) + "'");
                }
                port = after.substring(1);
            } else {
                int colon = hostPort.lastIndexOf(':');
                if (colon < 0) {
                    return;
                }
                port = hostPort.substring(colon + 1);
            }
            int value = -1;
            if (!port.isEmpty() && port.length() <= 5 && port.chars().allMatch(c -> c >= '0' && c <= '9')) {
                value = Integer.parseInt(port);
            }
            if (value < 1 || value > 65535) {
                throw new IllegalArgumentException("fromUrl has an invalid port '" + port + "' (must be a number in 1..65535): '"
                        + Masking.maskUrl(url) + "'");
            }
        }

        /** Why {@code url} did not parse, without any of its credentials. */
        private static String reason(String url, RuntimeException e) {
            if (e.getCause() instanceof URISyntaxException syntax) {
                return syntax.getReason(); // "Illegal character in authority", without the input
            }
            String masked = Masking.maskUrl(url);
            String reason = String.valueOf(e.getMessage()).replace(url, masked);
            int at = url.lastIndexOf('@');
            String hidden = at < 0 ? "" : url.substring(masked.indexOf("***"), at);
            // Lettuce may quote a piece of the input (For input string: "ss@h" when a password holds a '/').
            for (String piece : hidden.split("[:/?#@]")) {
                if (piece.length() > 1 && reason.contains(piece)) {
                    return e.getClass().getSimpleName() + ", details withheld as they quote the credentials";
                }
            }
            return reason;
        }
    }

}
