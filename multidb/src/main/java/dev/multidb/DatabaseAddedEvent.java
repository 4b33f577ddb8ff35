package dev.multidb;

/** A database was added at runtime; it carries traffic only once healthy. */
public record DatabaseAddedEvent(Database database) implements MultiDbEvent {
}
