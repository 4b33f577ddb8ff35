package dev.multidb.cli;

import java.util.logging.ConsoleHandler;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Routes the library's and Lettuce's logging (both end up in java.util.logging here) to stderr on
 * one line each. The demo prints its own account of events on stdout, so by default only severe
 * library messages show; {@code --verbose} shows INFO and up to see the library's reasoning. Each
 * line goes through {@link Secrets#scrub}: a driver's message or exception may quote a password.
 */
final class LibraryLogging {

    private LibraryLogging() {
    }

    static void configure(boolean verbose, Secrets secrets) {
        Level level = verbose ? Level.INFO : Level.SEVERE;
        Logger root = Logger.getLogger("");
        for (Handler h : root.getHandlers()) {
            root.removeHandler(h);
        }
        ConsoleHandler handler = new ConsoleHandler(); // writes to System.err
        handler.setLevel(level);
        handler.setFormatter(new OneLine(secrets));
        root.addHandler(handler);
        root.setLevel(level);
    }

    static final class OneLine extends Formatter {
        private final Secrets secrets;

        OneLine(Secrets secrets) {
            this.secrets = secrets;
        }

        @Override
        public String format(LogRecord r) {
            String logger = r.getLoggerName() == null ? "" : r.getLoggerName().substring(r.getLoggerName().lastIndexOf('.') + 1);
            String thrown = r.getThrown() == null ? "" : " (" + r.getThrown() + ")";
            return "    [log " + r.getLevel() + " " + logger + "] " + secrets.scrub(formatMessage(r) + thrown)
                    + System.lineSeparator();
        }
    }
}
