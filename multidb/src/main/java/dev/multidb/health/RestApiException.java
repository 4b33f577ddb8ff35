package dev.multidb.health;

/**
 * Why a {@link LagAwareHealthCheck} could not get a verdict from the Redis Enterprise REST API: no
 * {@code healthCheckUrl}, no bdb matching the database's host, an HTTP error status (401, 404, ...), a TLS
 * failure, a timeout or a lost connection. The message says which; it never contains credentials.
 */
public final class RestApiException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** @serial the HTTP status, or -1 */
    private final int statusCode;

    RestApiException(int statusCode, String message, Throwable cause) {
        super(message, cause);
        this.statusCode = statusCode;
    }

    RestApiException(String message) {
        this(-1, message, null);
    }

    /** {@return the HTTP status the REST API answered with, or -1 when there was no HTTP answer} */
    public int statusCode() {
        return statusCode;
    }
}
