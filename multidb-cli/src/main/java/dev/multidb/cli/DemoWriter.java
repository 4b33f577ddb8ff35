package dev.multidb.cli;

import java.util.concurrent.TimeUnit;

import io.lettuce.core.api.sync.RedisCommands;

import dev.multidb.MultiDbClient;

/**
 * The demo's application: one thread writing {@code SET demo:last <n>} as fast as it can through
 * {@link MultiDbClient#sync()}, the way a plain synchronous caller would, and recording every
 * outcome in {@link WriteStats}. SET is idempotent, so the client may retry it across a failover.
 */
final class DemoWriter implements Runnable {

    static final String KEY = "demo:last";

    /**
     * After an error the writer pauses briefly: when no database is usable the client fails fast,
     * and a tight loop would only burn CPU and count thousands of identical errors.
     */
    private static final long PAUSE_AFTER_ERROR_MILLIS = 10;

    private final MultiDbClient<String, String> client;
    private final WriteStats stats;
    private volatile boolean running = true;
    private Thread thread;

    DemoWriter(MultiDbClient<String, String> client, WriteStats stats) {
        this.client = client;
        this.stats = stats;
    }

    void start() {
        thread = new Thread(this, "demo-writer");
        thread.setDaemon(true); // never keeps the JVM alive, even if a command hangs
        thread.start();
    }

    @Override
    public void run() {
        RedisCommands<String, String> commands = client.sync();
        long n = 0;
        while (running) {
            long started = System.nanoTime();
            try {
                commands.set(KEY, Long.toString(++n));
                stats.success(started, System.nanoTime());
            } catch (RuntimeException e) {
                if (!running) {
                    return; // the client is being closed under us: not an error the demo should report
                }
                stats.error(e);
                pause();
            }
        }
    }

    /** Asks the writer to stop and waits up to {@code millis} for it; returns whether it ended. */
    boolean stop(long millis) {
        running = false;
        if (thread == null) {
            return true;
        }
        try {
            thread.join(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return !thread.isAlive();
    }

    private void pause() {
        try {
            TimeUnit.MILLISECONDS.sleep(PAUSE_AFTER_ERROR_MILLIS);
        } catch (InterruptedException e) {
            running = false;
        }
    }
}
