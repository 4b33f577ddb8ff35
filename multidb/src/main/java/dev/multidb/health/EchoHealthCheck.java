package dev.multidb.health;

import java.util.concurrent.CompletionStage;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The default health check: ECHO with a random payload, healthy only when the same payload comes
 * back (so a reply meant for an earlier, timed-out probe is never taken for this one).
 */
public final class EchoHealthCheck implements HealthCheck {

    @Override
    public CompletionStage<Boolean> check(HealthCheckTarget target) {
        String payload = "multidb-health-" + Long.toHexString(ThreadLocalRandom.current().nextLong());
        return target.commands().echo(payload).thenApply(payload::equals);
    }

    @Override
    public String toString() {
        return "EchoHealthCheck";
    }
}
