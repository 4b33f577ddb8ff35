package dev.multidb;

/** No database is usable: commands fail with TemporaryUnavailable, then NoValidDatabase, until one recovers. */
public record AllDatabasesUnavailableEvent(Database lastActive) implements MultiDbEvent {
}
