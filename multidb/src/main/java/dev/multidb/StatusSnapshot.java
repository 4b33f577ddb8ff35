package dev.multidb;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import dev.multidb.database.DatabaseRuntime;
import dev.multidb.detect.FailureTracker;
import dev.multidb.event.EventBus;
import dev.multidb.failover.FailoverController;

/** Builds {@link MultiDbStatus}, the snapshot behind {@link MultiDbClient#status()}. */
final class StatusSnapshot {

    private StatusSnapshot() {
    }

    /** Every database of {@code controller}, in order, and the active one. */
    static <K, V> MultiDbStatus of(FailoverController<K, V> controller, EventBus events) {
        DatabaseRuntime<K, V> current = controller.active();
        List<MultiDbStatus.DatabaseStatus> databases = new ArrayList<>();
        for (DatabaseRuntime<K, V> db : controller.databases()) {
            databases.add(statusOf(db, db == current));
        }
        Duration unavailable = current == null ? Duration.ofNanos(System.nanoTime() - controller.unavailableSinceNanos()) : null;
        return new MultiDbStatus(current == null ? null : current.name(), unavailable, List.copyOf(databases),
                events.droppedEvents(), List.copyOf(controller.maintenanceState()));
    }

    private static MultiDbStatus.DatabaseStatus statusOf(DatabaseRuntime<?, ?> db, boolean active) {
        long commands = 0;
        long failures = 0;
        // The counts of the first tracker that keeps a window: the built-in detector's, which comes first.
        for (FailureTracker tracker : db.trackers()) {
            long[] counts = tracker.windowCounts();
            if (counts != null) {
                commands = counts[0];
                failures = counts[1];
                break;
            }
        }
        long latency = db.lastHealthLatencyNanos();
        return new MultiDbStatus.DatabaseStatus(db.name(), Masking.mask(db.uri()), db.weight(), db.circuitState(),
                db.isHealthy(), latency < 0 ? -1 : latency / 1_000_000.0,
                db.isHealthy() || db.lastFailure() == null ? null : String.valueOf(db.lastFailure().getMessage()),
                commands, failures, active);
    }
}
