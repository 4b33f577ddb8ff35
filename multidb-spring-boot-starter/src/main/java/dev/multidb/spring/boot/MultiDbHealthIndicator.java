package dev.multidb.spring.boot;

import java.util.LinkedHashMap;
import java.util.Map;

import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;

import dev.multidb.MultiDbClient;
import dev.multidb.MultiDbStatus;

/**
 * Actuator health of the multidb client: UP while some database is usable (there is an active
 * database), DOWN while none is. The details list every database (weight, circuit, health,
 * whether it is active, its last failure) and the active one's name, from the client's status
 * snapshot: no command is sent to Redis.
 */
public class MultiDbHealthIndicator extends AbstractHealthIndicator {

    private final MultiDbClient<?, ?> client;

    public MultiDbHealthIndicator(MultiDbClient<?, ?> client) {
        super("multidb health check failed");
        this.client = client;
    }

    @Override
    protected void doHealthCheck(Health.Builder builder) {
        MultiDbStatus status = client.status();
        if (status.active() != null) {
            builder.up().withDetail("active", status.active());
        } else {
            builder.down().withDetail("active", "none").withDetail("unavailableFor", String.valueOf(status.unavailableFor()));
        }
        Map<String, Object> databases = new LinkedHashMap<>();
        for (MultiDbStatus.DatabaseStatus db : status.databases()) {
            Map<String, Object> details = new LinkedHashMap<>();
            details.put("endpoint", db.endpoint());
            details.put("weight", db.weight());
            details.put("circuit", db.circuit().name());
            details.put("healthy", db.healthy());
            details.put("active", db.active());
            if (db.lastFailure() != null) {
                details.put("lastFailure", db.lastFailure());
            }
            databases.put(db.name(), details);
        }
        builder.withDetail("databases", databases);
    }
}
