package dev.multidb.health;

import java.util.concurrent.CompletionStage;

/**
 * One health check of a database. Runs on the client's own threads, so it must not block: return
 * a stage that completes with {@code true} (healthy) or {@code false}/exceptionally (unhealthy).
 * The client applies the probe timeout, the number of probes, the delay between them and the
 * policy; a check only answers once.
 *
 * <p>The reference's PING check, in Java:
 * <pre>{@code
 * HealthCheck ping = target -> target.commands().ping().thenApply("PONG"::equals);
 * }</pre>
 */
@FunctionalInterface
public interface HealthCheck {

    /**
     * Checks the database once.
     *
     * @param target the database and the commands of its health-check connection
     * @return completes with {@code true} when healthy; {@code false} or an exception (whose
     *         message the database's last failure shows) when not
     */
    CompletionStage<Boolean> check(HealthCheckTarget target);
}
