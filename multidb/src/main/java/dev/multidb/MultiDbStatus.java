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
 */
public record MultiDbStatus(String active, Duration unavailableFor, List<DatabaseStatus> databases) {

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
        return sb.toString();
    }

    /** The snapshot as a JSON object. */
    public String toJson() {
        StringBuilder sb = new StringBuilder("{\"active\":").append(quote(active)).append(",\"unavailableForMillis\":")
                .append(unavailableFor == null ? "null" : unavailableFor.toMillis()).append(",\"databases\":[");
        for (int i = 0; i < databases.size(); i++) {
            DatabaseStatus db = databases.get(i);
            sb.append(i == 0 ? "" : ",").append("{\"name\":").append(quote(db.name())).append(",\"endpoint\":")
                    .append(quote(db.endpoint())).append(",\"weight\":").append(db.weight()).append(",\"circuit\":")
                    .append(quote(db.circuit().name())).append(",\"healthy\":").append(db.healthy())
                    .append(",\"healthLatencyMillis\":").append(db.healthLatencyMillis()).append(",\"lastFailure\":")
                    .append(quote(db.lastFailure())).append(",\"windowCommands\":").append(db.windowCommands())
                    .append(",\"windowFailures\":").append(db.windowFailures()).append(",\"active\":").append(db.active())
                    .append('}');
        }
        return sb.append("]}").toString();
    }

    private static String quote(String value) {
        if (value == null) {
            return "null";
        }
        StringBuilder sb = new StringBuilder("\"");
        for (char c : value.toCharArray()) {
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        return sb.append('"').toString();
    }
}
