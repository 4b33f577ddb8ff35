package dev.multidb.cli;

import java.io.PrintWriter;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Locale;

import dev.multidb.MultiDbEvent;

/**
 * What {@code watch} prints, from two threads: the refresh loop (tables) and the client's event
 * thread (event lines). On a terminal each refresh clears the screen and repeats the latest
 * events under the table, since clearing would otherwise wipe them within a second; into a pipe
 * or a file, tables and event lines simply follow each other, nothing is erased.
 */
final class WatchScreen {

    /** ANSI: cursor home, clear screen. */
    private static final String CLEAR = "\033[H\033[2J";
    private static final int RECENT_EVENTS = 10;
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss", Locale.ROOT);

    private final PrintWriter out;
    private final boolean terminal;
    private final Secrets secrets;
    private final String every;
    private final Deque<String> recent = new ArrayDeque<>();

    WatchScreen(PrintWriter out, boolean terminal, Secrets secrets, String every) {
        this.out = out;
        this.terminal = terminal;
        this.secrets = secrets;
        this.every = every;
    }

    /** Prints one event line at once. Called on the client's event thread. */
    synchronized void event(MultiDbEvent event) {
        String line = secrets.scrub(EventLine.format(LocalTime.now(), event));
        out.println(line);
        out.flush();
        if (terminal) {
            recent.addLast(line);
            if (recent.size() > RECENT_EVENTS) {
                recent.removeFirst();
            }
        }
    }

    /** Prints a refreshed table (already rendered). */
    synchronized void table(String rendered) {
        String nl = System.lineSeparator();
        StringBuilder text = new StringBuilder();
        text.append(terminal ? CLEAR : nl);
        text.append("multidb watch ").append(TIME.format(LocalTime.now())).append(" (every ").append(every)
                .append(terminal ? "; Ctrl-C to stop)" : ")").append(nl);
        text.append(secrets.scrub(rendered));
        if (terminal && !recent.isEmpty()) {
            text.append(nl).append("Recent events:").append(nl);
            recent.forEach(line -> text.append(line).append(nl));
        }
        out.print(text);
        out.flush();
    }
}
