package dev.multidb.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import dev.multidb.MultiDbStatus;
import dev.multidb.MultiDbStatus.DatabaseStatus;

/**
 * Renders a {@link MultiDbStatus} for people: which database is active and why, then one row per
 * database with its weight, whether it answered, its ECHO latency and its circuit. Columns are
 * as wide as their widest cell, so long names and endpoints stay aligned. Endpoints come masked
 * from the library.
 *
 * <pre>
 * Active: east (highest weight among the healthy databases)
 *      DATABASE  ENDPOINT               WEIGHT  REACHABLE  LATENCY  CIRCUIT    LAST FAILURE
 *   *  east      redis://10.0.0.1:6379    1.00  yes        0.31 ms  CLOSED
 *      west      redis://10.0.0.2:6379    0.50  no               -  HALF_OPEN  Unable to connect to 10.0.0.2/<unresolved>:6379
 * </pre>
 */
final class StatusTable {

    private static final String[] HEADER = {"", "DATABASE", "ENDPOINT", "WEIGHT", "REACHABLE", "LATENCY", "CIRCUIT", "LAST FAILURE"};
    /** Numbers read best right-aligned. */
    private static final boolean[] RIGHT = {false, false, false, true, false, true, false, false};

    private StatusTable() {
    }

    /** The explanation line, the table and a legend, each line ending with a line separator. */
    static String render(MultiDbStatus status) {
        List<String[]> rows = new ArrayList<>();
        rows.add(HEADER);
        for (DatabaseStatus db : status.databases()) {
            rows.add(new String[] {
                db.active() ? "*" : "",
                db.name(),
                db.endpoint(),
                ActiveExplanation.weight(db),
                db.healthy() ? "yes" : "no",
                db.healthLatencyMillis() < 0 ? "-" : String.format(Locale.ROOT, "%.2f ms", db.healthLatencyMillis()),
                db.circuit().name(),
                db.healthy() || db.lastFailure() == null ? "" : db.lastFailure()});
        }
        String nl = System.lineSeparator();
        StringBuilder text = new StringBuilder(ActiveExplanation.explain(status)).append(nl);
        int[] widths = widths(rows);
        for (String[] row : rows) {
            StringBuilder line = new StringBuilder("  ").append(pad(row[0], widths[0], false));
            for (int c = 1; c < row.length; c++) {
                line.append("  ").append(pad(row[c], widths[c], RIGHT[c]));
            }
            text.append(line.toString().stripTrailing()).append(nl);
        }
        return text.append("  (* = active; latency of the last passing ECHO probe)").append(nl).toString();
    }

    private static int[] widths(List<String[]> rows) {
        int[] widths = new int[HEADER.length];
        widths[0] = 1; // the active marker's column, kept when no database is active so rows do not shift
        for (String[] row : rows) {
            for (int c = 0; c < row.length; c++) {
                widths[c] = Math.max(widths[c], row[c].length());
            }
        }
        return widths;
    }

    private static String pad(String cell, int width, boolean right) {
        String fill = " ".repeat(width - cell.length());
        return right ? fill + cell : cell + fill;
    }
}
