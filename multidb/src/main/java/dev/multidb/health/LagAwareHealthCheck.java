package dev.multidb.health;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.multidb.Database;
import dev.multidb.Masking;

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
 *   <li>{@code GET B/v1/bdbs?fields=uid,endpoints}, only while the database's bdb uid is not known. The bdb
 *       whose {@code endpoints[].dns_name} equals {@code H} (case-insensitively) is chosen, else the one whose
 *       {@code endpoints[].addr[]} contains {@code H}. Its uid is cached per REST base and host.</li>
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
 *   <li>503 from the availability call (the REST API's "not available / lag above tolerance"): {@code false};</li>
 *   <li>anything else completes exceptionally with a {@link RestApiException} that says what went wrong: no
 *       {@code healthCheckUrl}, no bdb for the host, 401/403 (credentials), another status, a TLS failure, a
 *       timeout ({@code httpTimeout} per request) or a connection failure. Any of these drops the cached uid,
 *       so a re-created database is found again.</li>
 * </ul>
 * The check never blocks: requests go through {@link HttpClient#sendAsync}. The client's probe timeout
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
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_BODY_IN_MESSAGE = 200;
    private static final System.Logger LOG = System.getLogger(LagAwareHealthCheck.class.getName());

    private final int restApiPort;
    private final Duration lagTolerance;
    private final boolean verifyTls;
    private final Path caFile;
    private final Path clientCertificate;
    private final Path clientKey;
    private final String username;
    private final String authorization;
    private final String encodedCredentials;
    private final String password;
    private final Duration httpTimeout;
    private final HttpClient http;
    private final Map<UidKey, String> uids = new ConcurrentHashMap<>();

    private LagAwareHealthCheck(Builder b) {
        this.restApiPort = b.restApiPort;
        this.lagTolerance = b.lagTolerance;
        this.verifyTls = b.verifyTls;
        this.caFile = b.caFile;
        this.clientCertificate = b.clientCertificate;
        this.clientKey = b.clientKey;
        this.username = b.username;
        this.password = b.password == null ? null : new String(b.password);
        this.encodedCredentials = b.username == null ? null : Base64.getEncoder()
                .encodeToString((b.username + ":" + password).getBytes(StandardCharsets.UTF_8));
        this.authorization = encodedCredentials == null ? null : "Basic " + encodedCredentials;
        this.httpTimeout = b.httpTimeout;
        if (!verifyTls && authorization != null) {
            // Without peer verification anyone on the path can pose as the REST API and collect the credentials.
            LOG.log(System.Logger.Level.WARNING, "LagAwareHealthCheck: verifyTls(false) with basicAuth of user '" + username
                    + "': the REST API's certificate and host name are not checked, so the credentials may reach an impostor");
        }
        SSLContext ssl = PemTls.context(verifyTls, caFile, clientCertificate, clientKey);
        this.http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1) // no h2c upgrade headers: exactly the requests documented above
                .connectTimeout(httpTimeout)
                .followRedirects(HttpClient.Redirect.NEVER) // a redirect could carry the Authorization header elsewhere
                .sslContext(ssl)
                .build();
    }

    /** A builder with the defaults: port 9443, 5000 ms tolerance, verified TLS, no auth, 1 s HTTP timeout. */
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
        if (authorization != null && base.startsWith("http://")) {
            throw new RestApiException("refusing to send basic-auth credentials over plain HTTP to " + base
                    + " (healthCheckUrl of '" + db.name() + "'): use https://");
        }
        UidKey key = new UidKey(base, host.toLowerCase(Locale.ROOT));
        String cached = uids.get(key);
        CompletableFuture<String> uid = cached != null ? CompletableFuture.completedFuture(cached)
                : findUid(base, host, db.name()).thenApply(found -> {
                    uids.put(key, found);
                    return found;
                });
        return uid.thenCompose(found -> availability(base, found, db.name())).whenComplete((ok, error) -> {
            if (error != null) {
                uids.remove(key);
            }
        });
    }

    private CompletableFuture<String> findUid(String base, String host, String dbName) {
        String path = "/v1/bdbs?fields=uid,endpoints";
        return get(base, path).thenApply(response -> {
            requireSuccess(base, path, response);
            JsonNode bdbs;
            try {
                bdbs = JSON.readTree(response.body());
            } catch (IOException e) {
                String why = e instanceof JsonProcessingException j ? j.getOriginalMessage() : e.toString();
                throw new RestApiException(response.statusCode(), "GET " + path + " at " + base
                        + " did not answer JSON: " + why, null);
            }
            if (bdbs == null || !bdbs.isArray()) {
                throw new RestApiException(response.statusCode(), "GET " + path + " at " + base
                        + " did not answer a JSON array of bdbs", null);
            }
            String uid = match(bdbs, e -> host.equalsIgnoreCase(e.path("dns_name").asText("")));
            if (uid == null) {
                uid = match(bdbs, e -> contains(e.path("addr"), host));
            }
            if (uid == null) {
                throw new RestApiException(response.statusCode(), "unknown bdb: none of the " + bdbs.size()
                        + " bdbs at " + base + " has an endpoint whose dns_name or addr is '" + host
                        + "' (database '" + dbName + "')", null);
            }
            return uid;
        });
    }

    private static String match(JsonNode bdbs, Predicate<JsonNode> endpointMatches) {
        for (JsonNode bdb : bdbs) {
            for (JsonNode endpoint : bdb.path("endpoints")) {
                if (endpointMatches.test(endpoint) && !bdb.path("uid").isMissingNode()) {
                    return bdb.path("uid").asText();
                }
            }
        }
        return null;
    }

    private static boolean contains(JsonNode addresses, String host) {
        for (JsonNode address : addresses) {
            if (host.equalsIgnoreCase(address.asText())) {
                return true;
            }
        }
        return false;
    }

    private CompletableFuture<Boolean> availability(String base, String uid, String dbName) {
        String path = "/v1/bdbs/" + URLEncoder.encode(uid, StandardCharsets.UTF_8)
                + "/availability?extend_check=lag&availability_lag_tolerance_ms=" + lagTolerance.toMillis();
        return get(base, path).thenApply(response -> {
            if (response.statusCode() == UNAVAILABLE) {
                return false; // the REST API's verdict: unavailable, or lagging beyond the tolerance
            }
            requireSuccess(base, path, response);
            return true;
        });
    }

    private void requireSuccess(String base, String path, HttpResponse<byte[]> response) {
        int status = response.statusCode();
        if (status >= 200 && status < 300) {
            return;
        }
        String why = switch (status) {
            case 401 -> authorization == null ? "requires credentials (HTTP 401): set basicAuth"
                    : "rejected the credentials of user '" + username + "' (HTTP 401)";
            case 403 -> "refused access (HTTP 403): the user may lack the permission to read bdbs";
            case 404 -> "answered HTTP 404 (no such bdb or path)";
            default -> "answered HTTP " + status;
        };
        throw new RestApiException(status, "REST API at " + base + " " + why + " for GET " + path + bodyHint(response), null);
    }

    private String bodyHint(HttpResponse<byte[]> response) {
        String body = new String(response.body(), StandardCharsets.UTF_8).replaceAll("\\s+", " ").trim();
        if (body.isEmpty()) {
            return "";
        }
        // A proxy's error page could echo the request: never let the credentials into a message.
        if (password != null && !password.isEmpty()) {
            body = body.replace(password, "***");
        }
        if (encodedCredentials != null) {
            body = body.replace(encodedCredentials, "***");
        }
        return ": " + (body.length() > MAX_BODY_IN_MESSAGE ? body.substring(0, MAX_BODY_IN_MESSAGE) + "..." : body);
    }

    private CompletableFuture<HttpResponse<byte[]>> get(String base, String path) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path)).timeout(httpTimeout).GET();
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        return http.sendAsync(request.build(), HttpResponse.BodyHandlers.ofByteArray())
                .exceptionally(error -> {
                    throw describe(base, path, error);
                });
    }

    private RestApiException describe(String base, String path, Throwable error) {
        Throwable cause = error;
        while (cause instanceof CompletionException && cause.getCause() != null) {
            cause = cause.getCause();
        }
        for (Throwable t = cause; t != null; t = t.getCause()) {
            if (t instanceof SSLException) {
                return new RestApiException(-1, "TLS failure talking to REST API at " + base + " (verifyTls=" + verifyTls
                        + (caFile != null ? ", caFile=" + caFile : "") + (clientCertificate != null ? ", client certificate set" : "")
                        + "): " + t.getMessage(), cause);
            }
        }
        if (cause instanceof HttpTimeoutException) {
            return new RestApiException(-1, "timeout: REST API at " + base + " did not answer GET " + path
                    + " within httpTimeout " + httpTimeout.toMillis() + " ms", cause);
        }
        if (cause instanceof ConnectException) {
            return new RestApiException(-1, "cannot connect to REST API at " + base + ": " + cause, cause);
        }
        return new RestApiException(-1, "GET " + path + " at " + base + " failed: " + cause, cause);
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

    /** The REST API port. */
    public int restApiPort() {
        return restApiPort;
    }

    /** The lag tolerance sent as {@code availability_lag_tolerance_ms}. */
    public Duration lagTolerance() {
        return lagTolerance;
    }

    /** Whether the server certificate and host name are verified. */
    public boolean verifyTls() {
        return verifyTls;
    }

    /** The bound of one REST request. */
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

    private record UidKey(String base, String host) {
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

        /** The REST API port, appended to the health-check URL unless it names one (default 9443). */
        public Builder restApiPort(int port) {
            this.restApiPort = port;
            return this;
        }

        /** The replication lag above which the database is unhealthy (default 5000 ms; whole milliseconds). */
        public Builder lagTolerance(Duration tolerance) {
            this.lagTolerance = tolerance;
            return this;
        }

        /**
         * Whether to verify the server certificate and host name (default {@code true}). {@code false} disables
         * both, certificate and host-name checks; with {@link #basicAuth} that is logged as a warning.
         */
        public Builder verifyTls(boolean verify) {
            this.verifyTls = verify;
            return this;
        }

        /** PEM file with the CA certificate(s) to trust instead of the JDK's trust store. */
        public Builder caFile(Path caFile) {
            this.caFile = caFile;
            return this;
        }

        /** PEM file with the client certificate (chain) for mutual TLS; needs {@link #clientKey}. */
        public Builder clientCertificate(Path certificate) {
            this.clientCertificate = certificate;
            return this;
        }

        /** PEM file with the client's private key, unencrypted PKCS#8 ({@code BEGIN PRIVATE KEY}). */
        public Builder clientKey(Path key) {
            this.clientKey = key;
            return this;
        }

        /** HTTP Basic credentials of a REST API user (the password is copied; clear your array afterwards). */
        public Builder basicAuth(String username, char[] password) {
            this.username = username;
            this.password = password == null ? null : password.clone();
            return this;
        }

        /** HTTP Basic credentials of a REST API user. */
        public Builder basicAuth(String username, String password) {
            return basicAuth(username, password == null ? null : password.toCharArray());
        }

        /** Bound of one REST request, connecting included (default 1 s). */
        public Builder httpTimeout(Duration timeout) {
            this.httpTimeout = timeout;
            return this;
        }

        /**
         * The health check. Reads the PEM files now.
         *
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
