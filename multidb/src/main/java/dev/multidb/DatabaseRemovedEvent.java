package dev.multidb;

/** A database was removed at runtime (traffic had left it first). */
public record DatabaseRemovedEvent(Database database) implements MultiDbEvent {
}
