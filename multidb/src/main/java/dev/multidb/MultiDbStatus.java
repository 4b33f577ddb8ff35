package dev.multidb;

import java.time.Duration;
import java.util.List;
import java.util.Locale;

import dev.multidb.circuit.CircuitState;

/**
 * An immutable snapshot of what the client is doing: every database with its weight, circuit,
 * last health verdict and latency, and failure-window counts; which one is active.
 * {@link #toString()} is a readable table, {@link #toJson()} the same as JSON. Credentials never
 * appear.
 *
 * @param active          the name of the active database, or {@code null} when none is usable
 * @param unavailableFor  how long no database has been usable, or {@code null} while one is
 * @param databases       every database
 * @param droppedEvents   events dropped since the client started because listeners were too slow and the event
 *                        queue ({@link dev.multidb.event.EventBus#DEFAULT_CAPACITY} events) was full
 * @param maintenance     the operator controls in force ({@link Maintenance}), one line each, e.g.
 *                        {@code "east forced active for 29500 ms more"}, {@code "west drained"}; empty when none
 */
public record MultiDbStatus(String active, Duration unavailableFor, List<DatabaseStatus> databases, long droppedEvents,
        List<String> maintenance) {

    /**
     * A snapshot without operator controls.
     *
     * @param active         the name of the active database, or {@code null} when none is usable
     * @param unavailableFor how long no database has been usable, or {@code null} while one is
     * @param databases      every database
     * @param droppedEvents  events dropped because listeners were too slow
     */
    public MultiDbStatus(String active, Duration unavailableFor, List<DatabaseStatus> databases, long droppedEvents) {
        this(active, unavailableFor, databases, droppedEvents, List.of());
    }

    /**
     * A snapshot without dropped events.
     *
     * @param active         the name of the active database, or {@code null} when none is usable
     * @param unavailableFor how long no database has been usable, or {@code null} while one is
     * @param databases      every database
     */
    public MultiDbStatus(String active, Duration unavailableFor, List<DatabaseStatus> databases) {
        this(active, unavailableFor, databases, 0);
    }

    /**
     * One database in a {@link MultiDbStatus}.
     *
     * @param endpoint             {@code redis://host:port}, masked
     * @param healthLatencyMillis  latency of the last passing health probe, or -1
     * @param lastFailure          why the last failed health check failed, or {@code null}
     * @param windowCommands       commands counted in the failure detector's window
     * @param windowFailures       failures counted in the failure detector's window
     */
    public record DatabaseStatus(String name, String endpoint, double weight, CircuitState circuit, boolean healthy,
            double healthLatencyMillis, String lastFailure, long windowCommands, long windowFailures, boolean active) {
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        sb.append(active == null ? "active: none (unavailable for " + unavailableFor.toMillis() + " ms)" : "active: " + active)
                .append('\n');
        sb.append(String.format(Locale.ROOT, "  %-1s %-16s %-28s %6s  %-9s %-9s %9s  %s%n", "", "database", "endpoint", "weight",
                "circuit", "health", "latency", "failures/commands in window"));
        for (DatabaseStatus db : databases) {
            sb.append(String.format(Locale.ROOT, "  %-1s %-16s %-28s %6.2f  %-9s %-9s %9s  %d/%d%s%n", db.active() ? "*" : "",
                    db.name(), db.endpoint(), db.weight(), db.circuit(), db.healthy() ? "healthy" : "unhealthy",
                    db.healthLatencyMillis() < 0 ? "-" : String.format(Locale.ROOT, "%.2f ms", db.healthLatencyMillis()),
                    db.windowFailures(), db.windowCommands(), db.lastFailure() == null ? "" : "  last failure: " + db.lastFailure()));
        }
        for (String control : maintenance) {
            sb.append("  maintenance: ").append(control).append('\n');
        }
        if (droppedEvents > 0) {
            sb.append("  dropped events: ").append(droppedEvents).append(" (event listeners too slow)\n");
        }
        return sb.toString();
    }

    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();

    /** {@return the snapshot as a JSON object (the same fields as the records, durations in milliseconds)} */
    public String toJson() {
        var root = JSON.createObjectNode();
        root.put("active", active);
        if (unavailableFor == null) {
            root.putNull("unavailableForMillis");
        } else {
            root.put("unavailableForMillis", unavailableFor.toMillis());
        }
        var list = root.putArray("databases");
        for (DatabaseStatus db : databases) {
            list.addObject().put("name", db.name()).put("endpoint", db.endpoint()).put("weight", db.weight())
                    .put("circuit", db.circuit().name()).put("healthy", db.healthy())
                    .put("healthLatencyMillis", db.healthLatencyMillis()).put("lastFailure", db.lastFailure())
                    .put("windowCommands", db.windowCommands()).put("windowFailures", db.windowFailures())
                    .put("active", db.active());
        }
        root.put("droppedEvents", droppedEvents);
        var controls = root.putArray("maintenance");
        maintenance.forEach(controls::add);
        return root.toString();
    }
}
