package dev.multidb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.reflect.Method;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.multidb.testkit.RedisServer;

/**
 * The synchronous API driven from a few thousand virtual threads (JDK 21+) through a failover:
 * the primary is SIGKILLed while every thread writes. The README promises that a killed primary
 * costs no failed call (an idempotent SET the dead server can no longer apply is re-sent to the
 * secondary), and that nothing waits forever. With this many callers parked in {@code sync()}
 * at once, a carrier thread pinned while it waits, or a call that never completes, shows up as a
 * thread that makes no progress after the switch. Compiled for JDK 17: virtual threads are reached
 * by reflection, and the test is skipped, saying why, on a JDK without them.
 */
class VirtualThreadsIT {

    private static final int THREADS = 2_000;

    private final RedisServer primary = RedisServer.start();
    private final RedisServer secondary = RedisServer.start();
    private final List<AutoCloseable> closeables = new CopyOnWriteArrayList<>();

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : closeables) {
            c.close();
        }
        primary.close();
        secondary.close();
    }

    @Test
    void thousandsOfVirtualThreadsWriteThroughAKilledPrimaryWithoutAFailedOrHangingCall() throws Exception {
        ExecutorService virtualThreads = virtualThreadPerTaskExecutor();
        MultiDbClient<String, String> client = MultiDbClient.create(MultiDbConfig.builder()
                .database(DatabaseConfig.builder().fromUrl(primary.uri()).name("primary").weight(1.0)
                        .gracePeriod(Duration.ofMillis(500)).build())
                .database(DatabaseConfig.builder().fromUrl(secondary.uri()).name("secondary").weight(0.5)
                        .gracePeriod(Duration.ofMillis(500)).build())
                .autoFallbackInterval(Duration.ZERO) // stay on the secondary: one switch to look at
                .connectTimeout(Duration.ofSeconds(3)) // a cold JVM on a busy machine
                .build());
        closeables.add(client);

        AtomicBoolean running = new AtomicBoolean(true);
        AtomicLongArray completed = new AtomicLongArray(THREADS);
        AtomicLong longestCallNanos = new AtomicLong();
        AtomicInteger notVirtual = new AtomicInteger();
        List<Throwable> errors = new CopyOnWriteArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            int id = t;
            virtualThreads.execute(() -> {
                if (!isVirtual(Thread.currentThread())) {
                    notVirtual.incrementAndGet();
                }
                String key = "vt:" + id;
                while (running.get()) {
                    long start = System.nanoTime();
                    try {
                        client.sync().set(key, Long.toString(completed.get(id) + 1));
                        completed.incrementAndGet(id);
                    } catch (RuntimeException e) {
                        errors.add(e);
                    }
                    longestCallNanos.accumulateAndGet(System.nanoTime() - start, Math::max);
                }
            });
        }
        try {
            // Every thread is writing before the kill.
            await().atMost(Duration.ofSeconds(30)).until(() -> allAbove(completed, new long[THREADS]));

            primary.kill();
            await().atMost(Duration.ofSeconds(5)).until(() -> "secondary".equals(client.activeDatabase().name()));

            // No call hangs: every one of the threads completes calls after the switch.
            long[] atSwitch = snapshot(completed);
            await().atMost(Duration.ofSeconds(30)).until(() -> allAbove(completed, atSwitch));
        } finally {
            running.set(false);
            virtualThreads.shutdown();
        }
        assertThat(virtualThreads.awaitTermination(30, TimeUnit.SECONDS)).as("every thread ended").isTrue();

        long calls = IntStream.range(0, THREADS).mapToLong(completed::get).sum();
        System.out.printf("%d virtual threads, %d calls, longest call %d ms, %d failed %s%n",
                THREADS, calls, TimeUnit.NANOSECONDS.toMillis(longestCallNanos.get()), errors.size(), causes(errors));
        assertThat(notVirtual).hasValue(0);
        assertThat(errors).as("a killed primary costs no failed call").isEmpty();
        // Nothing waits forever: the longest call stayed within a few command timeouts (1 s each).
        assertThat(Duration.ofNanos(longestCallNanos.get())).isLessThan(Duration.ofSeconds(5));
        assertThat(secondary.command("EXISTS", "vt:0")).isEqualTo("1");
    }

    /** Executors.newVirtualThreadPerTaskExecutor() where the JDK has it (21+); skips the test otherwise. */
    private static ExecutorService virtualThreadPerTaskExecutor() throws ReflectiveOperationException {
        int feature = Runtime.version().feature();
        assumeTrue(feature >= 21, "virtual threads need JDK 21 or later; this is JDK " + feature);
        Method factory = Executors.class.getMethod("newVirtualThreadPerTaskExecutor");
        return (ExecutorService) factory.invoke(null);
    }

    private static boolean isVirtual(Thread thread) {
        try {
            return (Boolean) Thread.class.getMethod("isVirtual").invoke(thread);
        } catch (ReflectiveOperationException e) {
            return false;
        }
    }

    /** How many errors had each chain of causes (types only), to tell a timeout from a reset. */
    private static Map<String, Long> causes(List<Throwable> errors) {
        return errors.stream().collect(Collectors.groupingBy(e -> {
            StringBuilder chain = new StringBuilder(e.getClass().getSimpleName());
            for (Throwable c = e.getCause(); c != null; c = c.getCause()) {
                chain.append(" <- ").append(c.getClass().getSimpleName());
            }
            return chain.toString();
        }, TreeMap::new, Collectors.counting()));
    }

    private static long[] snapshot(AtomicLongArray counts) {
        long[] copy = new long[counts.length()];
        for (int i = 0; i < copy.length; i++) {
            copy[i] = counts.get(i);
        }
        return copy;
    }

    private static boolean allAbove(AtomicLongArray counts, long[] floor) {
        for (int i = 0; i < floor.length; i++) {
            if (counts.get(i) <= floor[i]) {
                return false;
            }
        }
        return true;
    }
}
