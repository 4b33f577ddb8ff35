package dev.multidb.health;

/**
 * A failed health check with a reason an operator can act on ("authentication failed for database 'east':
 * WRONGPASS …", "database 'east' lags …"). A {@link HealthCheck} completes its stage exceptionally with one
 * (or throws it) instead of answering {@code false} when it knows why the database is unhealthy; the client
 * shows its message as the database's last failure (status, {@code HealthStatusChangedEvent}, logs). The message
 * must never hold a credential.
 *
 * <p>An {@link IllegalStateException}, so code that caught what {@link ReplicationLagHealthCheck} threw before
 * still catches it.
 */
public class HealthCheckFailedException extends IllegalStateException {

    private static final long serialVersionUID = 1L;

    /**
     * A failed check.
     *
     * @param reason why it failed, without credentials
     */
    public HealthCheckFailedException(String reason) {
        super(reason);
    }

    /**
     * A failed check with its cause.
     *
     * @param reason why it failed, without credentials
     * @param cause  the underlying failure
     */
    public HealthCheckFailedException(String reason, Throwable cause) {
        super(reason, cause);
    }
}
