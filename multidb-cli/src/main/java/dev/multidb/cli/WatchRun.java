package dev.multidb.cli;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import dev.multidb.MultiDbClient;
import dev.multidb.MultiDbConfig;
import dev.multidb.MultiDbStatus;
import dev.multidb.NoValidDatabaseException;

/**
 * One {@code watch}: a client kept open for the whole run, its status shown every interval and
 * its events as they happen, until the duration is over or Ctrl-C. While no database is usable at
 * all the library cannot create a client, so the run tries again at every refresh and shows every
 * database unreachable meanwhile. Closes the client on every path out, Ctrl-C included.
 */
final class WatchRun {

    /** How long Ctrl-C waits for the client to close before the JVM exits anyway. */
    private static final long SHUTDOWN_WAIT_SECONDS = 10;

    private final DatabaseOptions.Resolved databases;
    private final Duration interval;
    private final Duration duration;
    private final WatchScreen screen;
    private final FailureReasons reasons = new FailureReasons();
    private final CountDownLatch finished = new CountDownLatch(1);
    private volatile boolean stopping;
    private MultiDbClient<String, String> client;
    private boolean lastUsable;

    /** @param duration how long to watch, or {@code null} for ever (until Ctrl-C) */
    WatchRun(DatabaseOptions.Resolved databases, Duration interval, Duration duration, WatchScreen screen) {
        this.databases = databases;
        this.interval = interval;
        this.duration = duration;
        this.screen = screen;
    }

    /** Watches until the end; returns whether a database was usable at the last refresh. */
    boolean execute() {
        Thread hook = shutdownHook(Thread.currentThread());
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            loop();
            return lastUsable;
        } finally {
            Thread.interrupted(); // a Ctrl-C interrupt must not cut the close short
            if (client != null) {
                client.close();
            }
            finished.countDown();
            removeShutdownHook(hook);
        }
    }

    private void loop() {
        refresh();
        // The duration counts from the first table: starting the client can take seconds (a cold
        // JVM, an unreachable host's connect timeout), and "watch for 30s" means 30 s of watching.
        long start = System.nanoTime();
        long deadline = duration == null ? Long.MAX_VALUE : start + duration.toNanos();
        // Ticks on a fixed grid from the start, so a slow refresh does not shift every later one.
        long tick = start;
        while (!stopping) {
            long now = System.nanoTime();
            if (now - deadline >= 0) {
                return;
            }
            while (tick - now <= 0) {
                tick += interval.toNanos();
            }
            try {
                TimeUnit.NANOSECONDS.sleep(Math.min(tick - now, deadline - now));
            } catch (InterruptedException e) {
                return; // Ctrl-C
            }
            refresh();
        }
    }

    private void refresh() {
        if (client == null) {
            try {
                MultiDbConfig config = ProbeClients.forWatch(databases, interval, event -> {
                    reasons.record(event);
                    screen.event(event);
                });
                client = MultiDbClient.create(config);
            } catch (NoValidDatabaseException e) {
                lastUsable = false;
                screen.table(UnavailableStatus.of(databases.databases(), e, databases.secrets()).render());
                return;
            }
        }
        MultiDbStatus status = client.status();
        lastUsable = status.active() != null;
        screen.table(StatusTable.render(reasons.fillIn(status)));
    }

    /** On Ctrl-C: end the loop and wait until the client is closed. */
    private Thread shutdownHook(Thread runner) {
        return new Thread(() -> {
            stopping = true;
            runner.interrupt();
            try {
                finished.await(SHUTDOWN_WAIT_SECONDS, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "multidb-watch-shutdown");
    }

    private static void removeShutdownHook(Thread hook) {
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // The hook is running (Ctrl-C): it is waiting for us, not the other way round.
        }
    }
}
