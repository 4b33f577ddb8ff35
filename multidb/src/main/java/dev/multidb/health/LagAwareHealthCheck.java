package dev.multidb.health;

import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;

import dev.multidb.Database;
import dev.multidb.Masking;
import java.util.concurrent.CompletionException;

/**
 * Redis Enterprise's lag-aware health check: asks the cluster's REST API whether the database is available
 * <em>and</em> its Active-Active replication lag is within a tolerance, so the client leaves a database that
 * answers commands but serves stale data.
 *
 * <h2>What is sent to the REST API</h2>
 * For a database whose host is {@code H} and whose {@link Database#healthCheckUrl()} is {@code U}, with base
 * {@code B = scheme://host:port[/path]} taken from {@code U}: {@code https://} is assumed when {@code U} has no
 * scheme; the port is {@code U}'s, or {@code restApiPort} (default 9443) only when {@code U} names none; a path
 * in {@code U}, for a reverse proxy, is kept as a prefix; a query or fragment of {@code U} is dropped, and
 * credentials in {@code U} are refused:
 * <ol>
 *   <li>{@code GET B/v1/bdbs?fields=uid,endpoints}, only while the database's bdb uid is not known. With
 *       {@code P} the database's port, the bdb with an endpoint whose {@code port} is {@code P} and whose
 *       {@code dns_name} equals {@code H} (case-insensitively) is chosen, else one with an endpoint on {@code P}
 *       whose {@code addr[]} contains {@code H} (the databases of one cluster share its addresses and differ by
 *       port; an endpoint without a {@code port} field matches by host alone). Its uid is cached per REST base,
 *       host and port.</li>
 *   <li>{@code GET B/v1/bdbs/{uid}/availability?extend_check=lag&availability_lag_tolerance_ms={lagTolerance}}
 *       on every check ({@code uid} URL-encoded, the tolerance in whole milliseconds).</li>
 * </ol>
 * Both are HTTP/1.1 GETs without a body; redirects are not followed. Their headers are the JDK HTTP client's
 * {@code Host}, {@code User-Agent: Java-http-client/<version>} and (on JDK 17) {@code Content-Length: 0}, plus
 * {@code Authorization: Basic base64(username:password)} only when {@link Builder#basicAuth basic auth} is set.
 * Nothing about the Redis connection (its password, keys, data) is sent. Credentials are never sent over plain
 * {@code http://}: such a check fails instead.
 *
 * <h2>Verdict</h2>
 * <ul>
 *   <li>a 2xx answer from the availability call: healthy ({@code true});</li>
 *   <li>503 from the availability call (the REST API's "not available / lag above tolerance"): completes
 *       exceptionally with a {@link HealthCheckFailedException} saying that the database lags beyond the tolerance
 *       (or is unavailable), which the client shows as the database's last failure;</li>
 *   <li>anything else completes exceptionally with a {@link RestApiException} that says what went wrong: no
 *       {@code healthCheckUrl}, no bdb for the host, 401/403 (credentials), another status, a TLS failure, a
 *       timeout ({@code httpTimeout} per request) or a connection failure. Any of these drops the cached uid,
 *       so a re-created database is found again.</li>
 * </ul>
 * The check never blocks: requests go through {@link java.net.http.HttpClient#sendAsync}. The client's probe timeout
 * ({@code MultiDbConfig.healthCheckTimeout}) still bounds a whole check, which is up to two requests; give it
 * at least {@code 2 × httpTimeout}.
 *
 * <h2>Lag tolerance</h2>
 * The default is {@link #DEFAULT_LAG_TOLERANCE 5000 ms}. redis-py's and Jedis' documentation say 100 ms, but
 * their code uses 5000 ms, and so do we on purpose: cross-region Active-Active replication routinely jitters
 * past 100 ms, so a 100 ms tolerance fails over on ordinary network noise and flaps back and forth.
 *
 * <h2>TLS</h2>
 * With {@code verifyTls} (default) the server certificate and host name are verified against the JDK's trust
 * store, or, when {@code caFile} is set, against the certificates of that PEM file only.
 * {@code verifyTls(false)} turns off <em>both</em> checks: any certificate and any host name are accepted
 * ({@code caFile} is then ignored), so anyone on the path can pose as the REST API; combined with
 * {@code basicAuth} it would hand them the credentials, and {@link Builder#build()} logs a warning. Mutual TLS:
 * {@code clientCertificate} (PEM, the chain) and {@code clientKey} (PEM, unencrypted PKCS#8, {@code -----BEGIN
 * PRIVATE KEY-----}; convert others with {@code openssl pkcs8 -topk8 -nocrypt}). Files are read once, in
 * {@link Builder#build()}.
 *
 * <pre>{@code
 * HealthCheck lagAware = LagAwareHealthCheck.builder()
 *     .basicAuth("monitor@example.com", System.getenv("RE_PASSWORD"))
 *     .caFile(Path.of("/etc/redis/re-ca.pem"))
 *     .build();
 * MultiDbConfig.builder().healthCheck(lagAware).healthCheckTimeout(Duration.ofSeconds(3)) ...
 * }</pre>
 *
 * <p>Thread-safe; one instance may serve every database of a client.
 */
public final class LagAwareHealthCheck implements HealthCheck {

    /** Default Redis Enterprise REST API port. */
    public static final int DEFAULT_REST_API_PORT = 9443;
    /** Default lag tolerance (see the class documentation for why not 100 ms). */
    public static final Duration DEFAULT_LAG_TOLERANCE = Duration.ofMillis(5000);
    /** Default bound of one REST request, connection included. */
    public static final Duration DEFAULT_HTTP_TIMEOUT = Duration.ofSeconds(1);

    /** The availability call's "unavailable or lagging" answer: a verdict, not an error. */
    private static final int UNAVAILABLE = 503;
    private static final System.Logger LOG = System.getLogger(LagAwareHealthCheck.class.getName());

    private final int restApiPort;
    private final Duration lagTolerance;
    private final boolean verifyTls;
    private final Path caFile;
    private final Path clientCertificate;
    private final Path clientKey;
    private final String username;
    private final Duration httpTimeout;
    private final RestApiClient rest;
    private final Map<UidKey, String> uids = new ConcurrentHashMap<>();

    private LagAwareHealthCheck(Builder b) {
        this.restApiPort = b.restApiPort;
        this.lagTolerance = b.lagTolerance;
        this.verifyTls = b.verifyTls;
        this.caFile = b.caFile;
        this.clientCertificate = b.clientCertificate;
        this.clientKey = b.clientKey;
        this.username = b.username;
        this.httpTimeout = b.httpTimeout;
        if (!verifyTls && b.username != null) {
            // Without peer verification anyone on the path can pose as the REST API and collect the credentials.
            LOG.log(System.Logger.Level.WARNING, "LagAwareHealthCheck: verifyTls(false) with basicAuth of user '" + username
                    + "': the REST API's certificate and host name are not checked, so the credentials may reach an impostor");
        }
        this.rest = new RestApiClient(b.username, b.password, httpTimeout, verifyTls, caFile, clientCertificate, clientKey);
    }

    /** {@return a builder with the defaults: port 9443, 5000 ms tolerance, verified TLS, no auth, 1 s HTTP timeout} */
    public static Builder builder() {
        return new Builder();
    }

    @Override
    public CompletionStage<Boolean> check(HealthCheckTarget target) {
        try {
            return checkAsync(target.database());
        } catch (RuntimeException e) {
            // The contract is a stage, never a throw: the caller runs on the client's coordinator thread.
            return CompletableFuture.failedFuture(e);
        }
    }

    private CompletableFuture<Boolean> checkAsync(Database db) {
        String url = db.healthCheckUrl();
        if (url == null || url.isBlank()) {
            throw new RestApiException("database '" + db.name() + "' has no healthCheckUrl: LagAwareHealthCheck needs "
                    + "DatabaseConfig.healthCheckUrl (the Redis Enterprise cluster's REST API address)");
        }
        String host = db.uri() == null ? null : db.uri().getHost();
        if (host == null || host.isEmpty()) {
            throw new RestApiException("database '" + db.name() + "' has no host name to look up in the REST API");
        }
        String base = baseUrl(url, restApiPort);
        if (rest.sendsCredentials() && base.startsWith("http://")) {
            throw new RestApiException("refusing to send basic-auth credentials over plain HTTP to " + base
                    + " (healthCheckUrl of '" + db.name() + "'): use https://");
        }
        int port = db.uri().getPort();
        UidKey key = new UidKey(base, host.toLowerCase(Locale.ROOT), port);
        String cached = uids.get(key);
        CompletableFuture<String> uid = cached != null ? CompletableFuture.completedFuture(cached)
                : findUid(base, host, port, db.name()).thenApply(found -> {
                    uids.put(key, found);
                    return found;
                });
        return uid.thenCompose(found -> availability(base, found, db)).whenComplete((ok, error) -> {
            Throwable cause = error instanceof CompletionException && error.getCause() != null
                    ? error.getCause() : error;
            if (cause != null && !(cause instanceof HealthCheckFailedException)) {
                uids.remove(key); // a REST error, not a verdict: look the bdb up again next time
            }
        });
    }

    private CompletableFuture<String> findUid(String base, String host, int port, String dbName) {
        String path = "/v1/bdbs?fields=uid,endpoints";
        return rest.get(base, path).thenApply(response -> {
            rest.requireSuccess(base, path, response);
            return BdbLookup.findUid(response.body(), response.statusCode(), base, path, host, port, dbName);
        });
    }

    private CompletableFuture<Boolean> availability(String base, String uid, Database db) {
        String path = "/v1/bdbs/" + URLEncoder.encode(uid, StandardCharsets.UTF_8)
                + "/availability?extend_check=lag&availability_lag_tolerance_ms=" + lagTolerance.toMillis();
        return rest.get(base, path).thenApply(response -> {
            if (response.statusCode() == UNAVAILABLE) {
                // The REST API's verdict: unavailable, or lagging beyond the tolerance. It does not say by how much.
                throw new HealthCheckFailedException("database '" + db.name() + "' lags: its Active-Active replication"
                        + " lag is above lagTolerance " + lagTolerance.toMillis() + " ms, or it is unavailable (REST API at "
                        + base + " answered HTTP 503 for bdb " + uid + rest.bodyHint(response) + ")");
            }
            rest.requireSuccess(base, path, response);
            return true;
        });
    }

    /**
     * {@code scheme://host:port[/path]} from a health-check URL given with or without scheme; the configured
     * port unless the URL names one.
     */
    static String baseUrl(String healthCheckUrl, int restApiPort) {
        String url = healthCheckUrl.trim();
        if (!url.contains("://")) {
            url = "https://" + url;
        }
        URI uri;
        try {
            uri = URI.create(url);
        } catch (IllegalArgumentException e) {
            throw new RestApiException("healthCheckUrl '" + Masking.maskUrl(url) + "' is not a valid URL");
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("https") && !scheme.equals("http")) {
            throw new RestApiException("healthCheckUrl '" + Masking.maskUrl(url) + "' must be http(s)");
        }
        if (uri.getRawUserInfo() != null) {
            throw new RestApiException("healthCheckUrl '" + Masking.maskUrl(url)
                    + "' must not carry credentials: use LagAwareHealthCheck.builder().basicAuth(...)");
        }
        if (uri.getHost() == null) {
            throw new RestApiException("healthCheckUrl '" + Masking.maskUrl(url) + "' has no host");
        }
        int port = uri.getPort() == -1 ? restApiPort : uri.getPort();
        String path = uri.getRawPath() == null ? "" : uri.getRawPath();
        while (path.endsWith("/")) {
            path = path.substring(0, path.length() - 1);
        }
        return scheme + "://" + uri.getHost() + ":" + port + path;
    }

    /** {@return the REST API port} */
    public int restApiPort() {
        return restApiPort;
    }

    /** {@return the lag tolerance sent as {@code availability_lag_tolerance_ms}} */
    public Duration lagTolerance() {
        return lagTolerance;
    }

    /** {@return whether the server certificate and host name are verified} */
    public boolean verifyTls() {
        return verifyTls;
    }

    /** {@return the bound of one REST request} */
    public Duration httpTimeout() {
        return httpTimeout;
    }

    /** The options, without the password. */
    @Override
    public String toString() {
        return "LagAwareHealthCheck[restApiPort=" + restApiPort + ", lagTolerance=" + lagTolerance.toMillis() + "ms"
                + ", verifyTls=" + verifyTls + (caFile != null ? ", caFile=" + caFile : "")
                + (clientCertificate != null ? ", clientCertificate=" + clientCertificate + ", clientKey=" + clientKey : "")
                + (username != null ? ", username=" + username + ", password=***" : "")
                + ", httpTimeout=" + httpTimeout.toMillis() + "ms]";
    }

    private record UidKey(String base, String host, int port) {
    }

    /** Options of a {@link LagAwareHealthCheck}; validated in {@link #build()}. Not thread-safe. */
    public static final class Builder {
        private int restApiPort = DEFAULT_REST_API_PORT;
        private Duration lagTolerance = DEFAULT_LAG_TOLERANCE;
        private boolean verifyTls = true;
        private Path caFile;
        private Path clientCertificate;
        private Path clientKey;
        private String username;
        private char[] password;
        private Duration httpTimeout = DEFAULT_HTTP_TIMEOUT;

        private Builder() {
        }

        /**
         * The REST API port, appended to the health-check URL unless it names one (default 9443).
         *
         * @param port in 1..65535
         * @return this builder
         */
        public Builder restApiPort(int port) {
            this.restApiPort = port;
            return this;
        }

        /**
         * The replication lag above which the database is unhealthy (default 5000 ms; whole milliseconds).
         *
         * @param tolerance zero or more
         * @return this builder
         */
        public Builder lagTolerance(Duration tolerance) {
            this.lagTolerance = tolerance;
            return this;
        }

        /**
         * Whether to verify the server certificate and host name (default {@code true}). {@code false} disables
         * both, certificate and host-name checks; with {@link #basicAuth} that is logged as a warning.
         *
         * @param verify whether to verify
         * @return this builder
         */
        public Builder verifyTls(boolean verify) {
            this.verifyTls = verify;
            return this;
        }

        /**
         * PEM file with the CA certificate(s) to trust instead of the JDK's trust store.
         *
         * @param caFile the file, read by {@link #build()}
         * @return this builder
         */
        public Builder caFile(Path caFile) {
            this.caFile = caFile;
            return this;
        }

        /**
         * PEM file with the client certificate (chain) for mutual TLS; needs {@link #clientKey}.
         *
         * @param certificate the file, read by {@link #build()}
         * @return this builder
         */
        public Builder clientCertificate(Path certificate) {
            this.clientCertificate = certificate;
            return this;
        }

        /**
         * PEM file with the client's private key, unencrypted PKCS#8 ({@code BEGIN PRIVATE KEY}).
         *
         * @param key the file, read by {@link #build()}
         * @return this builder
         */
        public Builder clientKey(Path key) {
            this.clientKey = key;
            return this;
        }

        /**
         * HTTP Basic credentials of a REST API user (the password is copied; clear your array afterwards).
         *
         * @param username the REST API user
         * @param password its password
         * @return this builder
         */
        public Builder basicAuth(String username, char[] password) {
            this.username = username;
            this.password = password == null ? null : password.clone();
            return this;
        }

        /**
         * HTTP Basic credentials of a REST API user.
         *
         * @param username the REST API user
         * @param password its password
         * @return this builder
         */
        public Builder basicAuth(String username, String password) {
            return basicAuth(username, password == null ? null : password.toCharArray());
        }

        /**
         * Bound of one REST request, connecting included (default 1 s).
         *
         * @param timeout positive
         * @return this builder
         */
        public Builder httpTimeout(Duration timeout) {
            this.httpTimeout = timeout;
            return this;
        }

        /**
         * The health check. Reads the PEM files now.
         *
         * @return the health check
         * @throws IllegalArgumentException naming the option that is invalid or whose file cannot be used
         */
        public LagAwareHealthCheck build() {
            if (restApiPort < 1 || restApiPort > 65535) {
                throw new IllegalArgumentException("restApiPort must be 1..65535, was " + restApiPort);
            }
            Objects.requireNonNull(lagTolerance, "lagTolerance");
            if (lagTolerance.isNegative()) {
                throw new IllegalArgumentException("lagTolerance must not be negative, was " + lagTolerance);
            }
            Objects.requireNonNull(httpTimeout, "httpTimeout");
            if (httpTimeout.isNegative() || httpTimeout.isZero()) {
                throw new IllegalArgumentException("httpTimeout must be positive, was " + httpTimeout);
            }
            if ((clientCertificate == null) != (clientKey == null)) {
                throw new IllegalArgumentException(clientCertificate == null
                        ? "clientKey is set without clientCertificate" : "clientCertificate is set without clientKey");
            }
            requireReadable("caFile", caFile);
            requireReadable("clientCertificate", clientCertificate);
            requireReadable("clientKey", clientKey);
            if (username != null || password != null) {
                if (username == null || username.isEmpty()) {
                    throw new IllegalArgumentException("basicAuth username must not be empty");
                }
                if (username.indexOf(':') >= 0) {
                    throw new IllegalArgumentException("basicAuth username must not contain ':' (RFC 7617)");
                }
                if (password == null) {
                    throw new IllegalArgumentException("basicAuth password must not be null");
                }
            }
            return new LagAwareHealthCheck(this);
        }

        private static void requireReadable(String option, Path file) {
            if (file != null && !Files.isReadable(file)) {
                throw new IllegalArgumentException(option + " " + file + " does not exist or is not readable");
            }
        }
    }
}
