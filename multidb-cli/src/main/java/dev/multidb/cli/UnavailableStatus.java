package dev.multidb.cli;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import dev.multidb.DatabaseConfig;
import dev.multidb.Masking;
import dev.multidb.MultiDbStatus;
import dev.multidb.NoValidDatabaseException;
import dev.multidb.circuit.CircuitState;

/**
 * The status to show when no client could be created because no database passed its first
 * health check: the library then throws instead of returning a client, so there is no
 * {@link MultiDbStatus} to ask for. This one is built from the configuration and the exception,
 * so that the table and the JSON keep their usual shape (every database unreachable).
 */
final class UnavailableStatus {

    private final MultiDbStatus status;
    private final String message;
    private final boolean everyReasonKnown;

    private UnavailableStatus(MultiDbStatus status, String message, boolean everyReasonKnown) {
        this.status = status;
        this.message = message;
        this.everyReasonKnown = everyReasonKnown;
    }

    static UnavailableStatus of(List<DatabaseConfig> databases, NoValidDatabaseException e, Secrets secrets) {
        String message = secrets.scrub(String.valueOf(e.getMessage()));
        List<MultiDbStatus.DatabaseStatus> rows = new ArrayList<>();
        boolean everyReasonKnown = true;
        for (int i = 0; i < databases.size(); i++) {
            DatabaseConfig db = databases.get(i);
            String reason = reason(message, databases, i);
            everyReasonKnown &= reason != null;
            // HALF_OPEN is what the library gives a database that failed its first check.
            rows.add(new MultiDbStatus.DatabaseStatus(db.name(), Masking.mask(db.uri()), db.weight(), CircuitState.HALF_OPEN,
                    false, -1, reason, 0, 0, false));
        }
        return new UnavailableStatus(new MultiDbStatus(null, Duration.ZERO, List.copyOf(rows)), message, everyReasonKnown);
    }

    /** The table, followed by the library's own words when the table could not attribute a reason to every row. */
    String render() {
        String table = StatusTable.render(status);
        return everyReasonKnown ? table : table + "  " + message + System.lineSeparator();
    }

    /** {@link MultiDbStatus#toJson()} plus an {@code "error"} member with the library's message. */
    String toJson() {
        String json = status.toJson();
        return json.substring(0, json.length() - 1) + ",\"error\":" + com.fasterxml.jackson.databind.node.TextNode.valueOf(message).toString() + "}";
    }

    /**
     * The part of the library's message about database {@code i}. It lists the failed databases as
     * {@code name (endpoint: cause)}, comma-separated, in configuration order; when the message
     * has another shape, the reason is unknown ({@code null}) and the whole message is shown.
     */
    private static String reason(String message, List<DatabaseConfig> databases, int i) {
        int start = message.indexOf(marker(databases.get(i)));
        if (start < 0) {
            return null;
        }
        int from = start + marker(databases.get(i)).length();
        int end = message.length();
        for (int j = i + 1; j < databases.size(); j++) {
            int next = message.indexOf(", " + marker(databases.get(j)), from);
            if (next >= 0) {
                end = next;
                break;
            }
        }
        String reason = message.substring(from, end);
        reason = reason.endsWith(")") ? reason.substring(0, reason.length() - 1) : reason;
        // The message has the failure's toString(); the table of a started client shows only its
        // message, so drop the class name to keep the two alike.
        return reason.replaceFirst("^([A-Za-z_$][\\w$]*\\.)+[\\w$]*(Exception|Error): ", "");
    }

    private static String marker(DatabaseConfig db) {
        return db.name() + " (" + Masking.mask(db.uri()) + ": ";
    }
}
