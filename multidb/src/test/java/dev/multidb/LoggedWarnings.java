package dev.multidb;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/** Collects what a class logs at WARNING or worse while some code runs (System.Logger is java.util.logging in the tests). */
public final class LoggedWarnings {

    /** What {@code action} returned, and the warnings logged meanwhile. */
    public record Captured<T>(T value, List<LogRecord> warnings) {
    }

    private LoggedWarnings() {
    }

    public static <T> Captured<T> capture(Class<?> source, Supplier<T> action) {
        return capture(Logger.getLogger(source.getName()), action);
    }

    /** As {@link #capture(Class, Supplier)}, for every logger of the JVM (multidb's, Lettuce's, Netty's). */
    public static <T> Captured<T> captureEverywhere(Supplier<T> action) {
        return capture(Logger.getLogger(""), action);
    }

    private static <T> Captured<T> capture(Logger logger, Supplier<T> action) {
        List<LogRecord> records = new CopyOnWriteArrayList<>();
        Handler handler = new Handler() {
            @Override
            public void publish(LogRecord r) {
                if (r.getLevel().intValue() >= Level.WARNING.intValue()) {
                    records.add(r);
                }
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        logger.addHandler(handler);
        try {
            return new Captured<>(action.get(), records);
        } finally {
            logger.removeHandler(handler);
        }
    }
}
