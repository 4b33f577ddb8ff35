package dev.multidb.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import dev.multidb.MultiDbStatus;
import dev.multidb.MultiDbStatus.DatabaseStatus;
import dev.multidb.circuit.CircuitState;

/**
 * Says in words which database carries the traffic and why: the highest-weight usable one, and
 * for every heavier database, what keeps it out (unreachable, in its grace period, waiting for
 * the fallback). Mirrors the default weight-based strategy: the highest-weight database with a
 * closed circuit, ties to the one configured first.
 */
final class ActiveExplanation {

    private ActiveExplanation() {
    }

    /** One line, e.g. {@code "Active: west (highest weight among the usable databases; east (weight 1.00) unreachable: ...)"}. */
    static String explain(MultiDbStatus status) {
        if (status.active() == null) {
            return "Active: none (no database is usable)";
        }
        DatabaseStatus active = status.databases().stream().filter(DatabaseStatus::active).findFirst().orElse(null);
        if (active == null) {
            return "Active: " + status.active();
        }
        List<String> passedOver = new ArrayList<>();
        boolean tie = false;
        for (DatabaseStatus db : status.databases()) {
            if (db == active) {
                continue;
            }
            if (db.weight() > active.weight()) {
                passedOver.add(db.name() + " (weight " + weight(db) + ") " + whyNotActive(db));
            } else if (db.weight() == active.weight() && usable(db)) {
                tie = true;
            }
        }
        StringBuilder line = new StringBuilder("Active: ").append(active.name()).append(" (");
        if (passedOver.isEmpty()) {
            line.append(status.databases().size() == 1 ? "the only database" : "highest weight among the healthy databases");
            if (tie) {
                line.append("; equal weights go to the one listed first");
            }
        } else {
            line.append("highest weight among the usable databases; ").append(String.join("; ", passedOver));
        }
        if (!active.healthy()) {
            line.append("; it failed its last health check, so the client is about to leave it");
        }
        return line.append(')').toString();
    }

    private static String whyNotActive(DatabaseStatus db) {
        if (!db.healthy()) {
            return "unreachable" + (db.lastFailure() == null ? "" : ": " + db.lastFailure());
        }
        return switch (db.circuit()) {
            case OPEN -> "is in its grace period after a failure (circuit OPEN)";
            case HALF_OPEN -> "awaits a passing health check (circuit HALF_OPEN)";
            // Healthy and closed yet not active: the client moves back on its next fallback run
            // (or the application chose the active database by hand).
            case CLOSED -> "is healthy again; traffic moves back at the next automatic fallback";
        };
    }

    private static boolean usable(DatabaseStatus db) {
        return db.healthy() && db.circuit() == CircuitState.CLOSED;
    }

    static String weight(DatabaseStatus db) {
        return String.format(Locale.ROOT, "%.2f", db.weight());
    }
}
