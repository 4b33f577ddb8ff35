package dev.multidb.spring.boot;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Calls {@code call} in a loop on its own threads until {@link #close()} (or a hard bound of
 * {@code maxRun}), recording every call that failed and how many succeeded.
 */
final class Load implements AutoCloseable {

    /** One step of the load; {@code i} counts up per thread. */
    interface Call {
        void run(int thread, long i) throws Exception;
    }

    private final AtomicBoolean stop = new AtomicBoolean();
    private final List<Thread> threads = new CopyOnWriteArrayList<>();
    final List<Throwable> failures = new CopyOnWriteArrayList<>();
    final AtomicLong succeeded = new AtomicLong();

    Load(String name, int threadCount, Duration maxRun, Call call) {
        long deadline = System.nanoTime() + maxRun.toNanos();
        for (int t = 0; t < threadCount; t++) {
            int thread = t;
            Thread th = new Thread(() -> {
                for (long i = 0; !stop.get() && System.nanoTime() < deadline; i++) {
                    try {
                        call.run(thread, i);
                        succeeded.incrementAndGet();
                    } catch (Throwable e) {
                        failures.add(e);
                    }
                }
            }, name + "-" + t);
            th.setDaemon(true);
            threads.add(th);
            th.start();
        }
    }

    @Override
    public void close() throws InterruptedException {
        stop.set(true);
        for (Thread th : threads) {
            th.join(10_000);
        }
    }
}
