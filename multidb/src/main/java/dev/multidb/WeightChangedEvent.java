package dev.multidb;

/** A database's weight was changed at runtime. */
public record WeightChangedEvent(Database database, double oldWeight, double newWeight) implements MultiDbEvent {
}
