package dev.multidb.cli;

import java.io.PrintWriter;
import java.util.Locale;

import dev.multidb.ActiveDatabaseChangedEvent;
import dev.multidb.AllDatabasesUnavailableEvent;
import dev.multidb.Database;
import dev.multidb.MultiDbClient;

/**
 * The lines printed while the demo runs: one status line per second, and one line the moment
 * something happens (fault, heal, a change of the active database). Every line starts with the
 * time since the start so the reader can line them up with the closing timeline.
 */
final class LiveReport {

    private final PrintWriter out;
    private final Timeline timeline;
    private final WriteStats stats;

    LiveReport(PrintWriter out, Timeline timeline, WriteStats stats) {
        this.out = out;
        this.timeline = timeline;
        this.stats = stats;
    }

    /** The once-a-second status line: active database, throughput and errors of the last second, circuits. */
    void tick(MultiDbClient<?, ?> client) {
        long[] window = stats.takeWindow();
        Database active = client.activeDatabase();
        StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "active=%-9s ops/s=%6d errors/s=%4d  circuits:",
                active == null ? "(none)" : active.name(), window[0], window[1]));
        for (Database db : client.databases()) {
            line.append(' ').append(db.name()).append('=').append(db.circuitState());
            if (!db.isHealthy()) {
                line.append("(unhealthy)");
            }
        }
        print(System.nanoTime(), line.toString());
    }

    /** Records a change of the active database in the timeline and prints it at once. */
    void onActiveChanged(ActiveDatabaseChangedEvent event) {
        long now = System.nanoTime();
        String from = event.oldDatabase() == null ? "(none)" : event.oldDatabase().name();
        String to = event.newDatabase().name();
        timeline.switched(new Timeline.Switch(now, from, to, event.reason()));
        String sinceFault = "";
        if (timeline.faultNanos() >= 0) {
            sinceFault = ", " + Timeline.millisBetween(timeline.faultNanos(), now) + " ms after the fault";
        }
        print(now, ">>> active database changed: " + from + " -> " + to + " (" + event.reason() + sinceFault + ")");
    }

    void onAllUnavailable(AllDatabasesUnavailableEvent event) {
        print(System.nanoTime(), "!!! no database is usable (last active: "
                + (event.lastActive() == null ? "none" : event.lastActive().name()) + ")");
    }

    void note(long nanos, String text) {
        print(nanos, text);
    }

    private void print(long nanos, String text) {
        synchronized (out) { // the ticker, the event thread and the fault thread all print
            out.println("[" + timeline.at(nanos) + "] " + text);
            out.flush();
        }
    }
}
