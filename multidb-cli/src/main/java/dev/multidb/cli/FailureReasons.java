package dev.multidb.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import dev.multidb.HealthStatusChangedEvent;
import dev.multidb.MultiDbEvent;
import dev.multidb.MultiDbStatus;
import dev.multidb.MultiDbStatus.DatabaseStatus;

/**
 * Remembers why each database last failed its health check, from the client's events, for
 * {@code watch}. The client's {@code status()} reports a last failure only for the first health
 * check; a database that fails later shows none there, and "unreachable" without a reason is
 * what a person watching needs least. Thread-safe: fed on the event thread, read by the refresh loop.
 */
final class FailureReasons {

    private final Map<String, String> byDatabase = new ConcurrentHashMap<>();

    /** Records a failed health check's cause; a passing one clears it. */
    void record(MultiDbEvent event) {
        if (event instanceof HealthStatusChangedEvent e) {
            if (e.healthy() || e.cause() == null) {
                byDatabase.remove(e.database().name());
            } else {
                byDatabase.put(e.database().name(), reason(e.cause()));
            }
        }
    }

    /** {@code status} with a remembered reason for every unhealthy database the status gives none. */
    MultiDbStatus fillIn(MultiDbStatus status) {
        List<DatabaseStatus> rows = new ArrayList<>();
        for (DatabaseStatus db : status.databases()) {
            String known = byDatabase.get(db.name());
            boolean fill = !db.healthy() && db.lastFailure() == null && known != null;
            rows.add(!fill ? db : new DatabaseStatus(db.name(), db.endpoint(), db.weight(), db.circuit(), db.healthy(),
                    db.healthLatencyMillis(), known, db.windowCommands(), db.windowFailures(), db.active()));
        }
        return new MultiDbStatus(status.active(), status.unavailableFor(), List.copyOf(rows), status.droppedEvents(),
                status.maintenance());
    }

    /** The message, as status() gives it, and the root cause when it says more ("Connection refused"). */
    static String reason(Throwable cause) {
        Throwable root = cause;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String text = String.valueOf(cause.getMessage());
        if (root != cause && root.getMessage() != null && !text.contains(root.getMessage())) {
            text += " (" + root.getMessage() + ")";
        }
        return text;
    }
}
