package dev.multidb.circuit;

/** The state of a database's circuit breaker. */
public enum CircuitState {
    /** Healthy: the database may carry traffic. */
    CLOSED,
    /** Failed recently: kept out of rotation for its grace period (unless nothing else answers). */
    OPEN,
    /** The grace period is over: the next health check closes the circuit or opens it again. */
    HALF_OPEN
}
