package dev.multidb.cli;

import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

import dev.multidb.ActiveDatabaseChangedEvent;
import dev.multidb.AllDatabasesUnavailableEvent;
import dev.multidb.CircuitStateChangedEvent;
import dev.multidb.CommandFailedEvent;
import dev.multidb.Database;
import dev.multidb.DatabaseAddedEvent;
import dev.multidb.DatabaseRemovedEvent;
import dev.multidb.HealthStatusChangedEvent;
import dev.multidb.Masking;
import dev.multidb.MultiDbEvent;
import dev.multidb.WeightChangedEvent;

/**
 * One log line per client event: wall-clock time, event type, details, e.g.
 * {@code 12:00:03.456 HealthStatusChanged  east (redis://10.0.0.1:6379) unhealthy: RedisConnectionException: ...}.
 * Endpoints are masked; unknown event types fall back to their {@code toString()}.
 */
final class EventLine {

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss.SSS", Locale.ROOT);

    private EventLine() {
    }

    static String format(LocalTime at, MultiDbEvent event) {
        String type = event.getClass().getSimpleName().replaceFirst("Event$", "");
        return TIME.format(at) + " " + String.format(Locale.ROOT, "%-22s", type) + " " + details(event);
    }

    private static String details(MultiDbEvent event) {
        if (event instanceof ActiveDatabaseChangedEvent e) {
            return name(e.oldDatabase()) + " -> " + name(e.newDatabase()) + " (" + e.reason() + ")";
        }
        if (event instanceof CircuitStateChangedEvent e) {
            return name(e.database()) + " circuit " + e.from() + " -> " + e.to();
        }
        if (event instanceof HealthStatusChangedEvent e) {
            return named(e.database()) + (e.healthy() ? " healthy" : " unhealthy" + (e.cause() == null ? "" : ": " + describe(e.cause())));
        }
        if (event instanceof CommandFailedEvent e) {
            return e.command() + " on " + name(e.database()) + " failed: " + describe(e.error())
                    + (e.willRetry() ? " (retried)" : " (not retried)");
        }
        if (event instanceof AllDatabasesUnavailableEvent e) {
            return "no database is usable (last active: " + name(e.lastActive()) + ")";
        }
        if (event instanceof DatabaseAddedEvent e) {
            return named(e.database());
        }
        if (event instanceof DatabaseRemovedEvent e) {
            return named(e.database());
        }
        if (event instanceof WeightChangedEvent e) {
            return name(e.database()) + String.format(Locale.ROOT, " weight %.2f -> %.2f", e.oldWeight(), e.newWeight());
        }
        return event.toString();
    }

    private static String name(Database db) {
        return db == null ? "(none)" : db.name();
    }

    /** Name and masked endpoint, for events about one database's reachability. */
    private static String named(Database db) {
        return db == null ? "(none)" : db.name() + " (" + Masking.mask(db.uri()) + ")";
    }

    /** The error's type and message, and its root cause when that says more ("Connection refused"). */
    private static String describe(Throwable error) {
        return error.getClass().getSimpleName() + ": " + FailureReasons.reason(error);
    }
}
