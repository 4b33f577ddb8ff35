package dev.multidb;

import io.lettuce.core.RedisURI;

import dev.multidb.circuit.CircuitState;

/** One member database of a {@link MultiDbClient}, as the application sees it. Thread-safe. */
public interface Database {

    /** The database's name: the configured one, or {@code host:port}. */
    String name();

    /** Its current weight: the highest-weight healthy database carries the traffic. */
    double weight();

    /** The state of its circuit breaker. */
    CircuitState circuitState();

    /** Whether its last health check passed. */
    boolean isHealthy();

    /** Where it is (the URI may carry credentials: do not log it; its {@code toString()} masks them). */
    RedisURI uri();

    /** The Redis Enterprise REST endpoint for lag-aware health checks, or {@code null}. */
    String healthCheckUrl();
}
