package dev.multidb.database;

import io.lettuce.core.RedisURI;

import dev.multidb.Database;
import dev.multidb.circuit.CircuitState;

/**
 * The application's read-only view of one member database. It is all that leaves the client (the
 * databases it lists, events, failure detectors, strategies, health checks): the runtime behind it,
 * whose weight and circuit only the failover machinery may change, cannot be reached from it, not
 * even by a cast.
 */
final class DatabaseView implements Database {

    private final DatabaseRuntime<?, ?> runtime;

    DatabaseView(DatabaseRuntime<?, ?> runtime) {
        this.runtime = runtime;
    }

    @Override
    public String name() {
        return runtime.name();
    }

    @Override
    public double weight() {
        return runtime.weight();
    }

    @Override
    public CircuitState circuitState() {
        return runtime.circuitState();
    }

    @Override
    public boolean isHealthy() {
        return runtime.isHealthy();
    }

    @Override
    public RedisURI uri() {
        return runtime.uri();
    }

    @Override
    public String healthCheckUrl() {
        return runtime.healthCheckUrl();
    }

    @Override
    public String toString() {
        return runtime.toString();
    }
}
