package dev.multidb;

import io.lettuce.core.RedisURI;

import dev.multidb.circuit.CircuitState;

/** One member database of a {@link MultiDbClient}, as the application sees it. Thread-safe. */
public interface Database {

    /** {@return the database's name: the configured one, or {@code host:port}} */
    String name();

    /** {@return its current weight: the highest-weight healthy database carries the traffic} */
    double weight();

    /** {@return the state of its circuit breaker} */
    CircuitState circuitState();

    /** {@return whether its last health check passed} */
    boolean isHealthy();

    /** {@return where it is} The URI may carry credentials: do not log it; its {@code toString()} masks them. */
    RedisURI uri();

    /** {@return the Redis Enterprise REST endpoint for lag-aware health checks, or {@code null}} */
    String healthCheckUrl();
}
