package dev.multidb.health;

import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;

/**
 * The HTTP side of {@link LagAwareHealthCheck}: one JDK {@link HttpClient} (HTTP/1.1, no redirects, the TLS set-up
 * of the check's options), asynchronous GETs with Basic auth, and errors turned into {@link RestApiException}s
 * whose messages never hold the credentials.
 */
final class RestApiClient {

    private static final int MAX_BODY_IN_MESSAGE = 200;

    private final String username;
    private final String password;
    private final String encodedCredentials;
    private final String authorization;
    private final Duration httpTimeout;
    private final boolean verifyTls;
    private final Path caFile;
    private final Path clientCertificate;
    private final HttpClient http;

    RestApiClient(String username, char[] password, Duration httpTimeout, boolean verifyTls, Path caFile,
            Path clientCertificate, Path clientKey) {
        this.username = username;
        this.password = password == null ? null : new String(password);
        this.encodedCredentials = username == null ? null : Base64.getEncoder()
                .encodeToString((username + ":" + this.password).getBytes(StandardCharsets.UTF_8));
        this.authorization = encodedCredentials == null ? null : "Basic " + encodedCredentials;
        this.httpTimeout = httpTimeout;
        this.verifyTls = verifyTls;
        this.caFile = caFile;
        this.clientCertificate = clientCertificate;
        SSLContext ssl = PemTls.context(verifyTls, caFile, clientCertificate, clientKey);
        this.http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1) // no h2c upgrade headers: exactly the documented requests
                .connectTimeout(httpTimeout)
                .followRedirects(HttpClient.Redirect.NEVER) // a redirect could carry the Authorization header elsewhere
                .sslContext(ssl)
                .build();
    }

    /** Whether requests carry Basic credentials. */
    boolean sendsCredentials() {
        return authorization != null;
    }

    /** {@code GET base + path}; completes exceptionally with a {@link RestApiException} when there is no HTTP answer. */
    CompletableFuture<HttpResponse<byte[]>> get(String base, String path) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path)).timeout(httpTimeout).GET();
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        return http.sendAsync(request.build(), HttpResponse.BodyHandlers.ofByteArray())
                .exceptionally(error -> {
                    throw describe(base, path, error);
                });
    }

    /**
     * Accepts a 2xx answer.
     *
     * @throws RestApiException saying what a non-2xx answer means (credentials, permissions, no such bdb, …)
     */
    void requireSuccess(String base, String path, HttpResponse<byte[]> response) {
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

    /** {@code ": <body>"}, shortened and without credentials, or {@code ""} for an empty body. */
    String bodyHint(HttpResponse<byte[]> response) {
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
}
