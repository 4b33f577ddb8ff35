package dev.multidb;

import dev.multidb.circuit.CircuitState;

/** A database's circuit breaker changed state. */
public record CircuitStateChangedEvent(Database database, CircuitState from, CircuitState to) implements MultiDbEvent {
}
