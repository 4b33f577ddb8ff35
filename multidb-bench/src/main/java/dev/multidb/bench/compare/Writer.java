package dev.multidb.bench.compare;

import java.util.Arrays;

/**
 * The single writer thread: call {@code i} (0-based) does {@code SET w:i i}; start, end and outcome of every call are
 * recorded. Unique keys let the runner check afterwards which acknowledged writes survived and which failed calls
 * were applied anyway.
 */
final class Writer extends Thread {

    private final BenchClient client;
    private volatile boolean running = true;
    long[] starts = new long[1 << 16];
    long[] ends = new long[1 << 16];
    boolean[] ok = new boolean[1 << 16];
    String[] errors = new String[1 << 16];
    volatile int count;

    Writer(BenchClient client) {
        super("compare-writer");
        this.client = client;
        setDaemon(true);
    }

    static String key(int i) {
        return "w:" + i;
    }

    @Override
    public void run() {
        while (running) {
            int i = count;
            long start = System.nanoTime();
            String error = null;
            try {
                client.set(key(i), String.valueOf(i));
            } catch (RuntimeException e) {
                String msg = String.valueOf(e.getMessage());
                error = e.getClass().getSimpleName() + ": " + (msg.length() > 100 ? msg.substring(0, 100) + "…" : msg);
            }
            record(i, start, System.nanoTime(), error);
        }
    }

    private void record(int c, long start, long end, String error) {
        if (c == starts.length) {
            starts = Arrays.copyOf(starts, c * 2);
            ends = Arrays.copyOf(ends, c * 2);
            ok = Arrays.copyOf(ok, c * 2);
            errors = Arrays.copyOf(errors, c * 2);
        }
        starts[c] = start;
        ends[c] = end;
        ok[c] = error == null;
        errors[c] = error;
        count = c + 1;
    }

    void halt() {
        running = false;
    }
}
