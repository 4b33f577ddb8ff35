package dev.multidb.bench.compare;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Polls {@link BenchClient#activeName()} every 5 ms and records every change with its time. */
final class ActiveMonitor extends Thread {

    record Change(long nanos, String name) {
    }

    private final BenchClient client;
    private volatile boolean running = true;
    private final List<Change> changes = new ArrayList<>();

    ActiveMonitor(BenchClient client) {
        super("compare-active-monitor");
        this.client = client;
        setDaemon(true);
    }

    @Override
    public void run() {
        String last = null;
        while (running) {
            String now;
            try {
                now = client.activeName();
            } catch (RuntimeException e) {
                now = "error";
            }
            if (!now.equals(last)) {
                synchronized (changes) {
                    changes.add(new Change(System.nanoTime(), now));
                }
                last = now;
            }
            try {
                TimeUnit.MILLISECONDS.sleep(5);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    void halt() {
        running = false;
    }

    List<Change> changes() {
        synchronized (changes) {
            return new ArrayList<>(changes);
        }
    }

    /** First change to {@code name} at or after {@code from}, or -1. */
    long firstChangeTo(String name, long from) {
        for (Change c : changes()) {
            if (c.nanos() >= from && c.name().equals(name)) {
                return c.nanos();
            }
        }
        return -1;
    }
}
