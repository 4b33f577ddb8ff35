package dev.multidb.cli;

import java.time.Duration;
import java.util.function.Consumer;

import dev.multidb.MultiDbConfig;
import dev.multidb.MultiDbEvent;
import dev.multidb.health.InitialHealthCheckPolicy;

/**
 * The client configurations behind {@code status} and {@code watch}. Both start with
 * {@link InitialHealthCheckPolicy#ONE_AVAILABLE}, because reporting on a partly broken set of
 * databases is the whole point; the library's default (all available) would refuse to start.
 */
final class ProbeClients {

    private ProbeClients() {
    }

    /** One health check per database: the client's first, which it runs before create() returns. */
    static MultiDbConfig forStatus(DatabaseOptions.Resolved databases) {
        return base(databases).build();
    }

    /**
     * A client that health-checks every database once per {@code interval} (unless the config file
     * sets healthCheckInterval), so each refresh shows a verdict at most one interval old, and that
     * moves traffic back to a recovered heavier database at the same pace, so the table shows
     * which database an application would settle on. {@code listener} sees every event from the start.
     */
    static MultiDbConfig forWatch(DatabaseOptions.Resolved databases, Duration interval, Consumer<MultiDbEvent> listener) {
        Duration checks = databases.healthCheckInterval() != null ? databases.healthCheckInterval() : interval;
        return base(databases).healthCheckInterval(checks)
                .autoFallbackInterval(interval).listener(MultiDbEvent.class, listener).build();
    }

    /**
     * Each health check is two back-to-back probes: the first may have to open the connection,
     * the second is the ECHO whose latency is reported, so a TCP (and TLS) handshake is not
     * counted as database latency. A dead database fails on the first probe without waiting for
     * the second.
     */
    private static MultiDbConfig.Builder base(DatabaseOptions.Resolved databases) {
        return MultiDbConfig.builder()
                .healthCheckProbes(2)
                .healthCheckDelay(Duration.ZERO)
                .databases(databases.databases())
                .initialHealthCheckPolicy(InitialHealthCheckPolicy.ONE_AVAILABLE)
                .healthCheckTimeout(databases.healthCheckTimeout())
                .connectTimeout(databases.connectTimeout());
    }
}
