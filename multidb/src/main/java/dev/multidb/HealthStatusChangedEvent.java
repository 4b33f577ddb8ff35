package dev.multidb;

/**
 * A database's health-check verdict flipped.
 *
 * @param cause why the last probe failed (when {@code healthy} is false), or {@code null}
 */
public record HealthStatusChangedEvent(Database database, boolean healthy, Throwable cause) implements MultiDbEvent {
}
