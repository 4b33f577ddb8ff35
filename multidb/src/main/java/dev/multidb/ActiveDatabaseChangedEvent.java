package dev.multidb;

/**
 * Traffic moved to another database.
 *
 * @param oldDatabase the previous active database, or {@code null} when there was none
 * @param newDatabase the new active database
 * @param reason      why
 */
public record ActiveDatabaseChangedEvent(Database oldDatabase, Database newDatabase, SwitchReason reason)
        implements MultiDbEvent {
}
