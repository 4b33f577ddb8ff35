package dev.multidb.failover;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * The one thread every failover decision runs on, and its clock. Because all state changes happen
 * here, the parts of the failover machinery need no locks; the command path only reads volatile
 * fields.
 *
 * <p>Once the client closes, the executor refuses new work. That is expected, not alarming: the
 * refused work is dropped quietly, and every caller still waiting for a coordinator answer gets an
 * {@link IllegalStateException} at once instead of waiting for its timeout.
 */
final class Coordinator {

    private static final System.Logger LOG = System.getLogger(Coordinator.class.getName());

    private final ScheduledExecutorService executor;
    private final LongSupplier nanoClock;
    /** Answers callers wait for; failed on close so no caller waits for a task that will never run. */
    private final Set<CompletableFuture<?>> awaited = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    Coordinator(ScheduledExecutorService executor, LongSupplier nanoClock) {
        this.executor = executor;
        this.nanoClock = nanoClock;
    }

    long now() {
        return nanoClock.getAsLong();
    }

    LongSupplier clock() {
        return nanoClock;
    }

    /** Runs {@code task} on the coordinator; {@code false} once the client is closed. */
    boolean execute(Runnable task) {
        try {
            executor.execute(guarded(task));
            return true;
        } catch (RejectedExecutionException closing) {
            close();
            return false;
        }
    }

    /** Runs {@code task} on the coordinator after {@code delay}; {@code null} once the client is closed. */
    ScheduledFuture<?> schedule(Duration delay, Runnable task) {
        return schedule(delay.toNanos(), task);
    }

    ScheduledFuture<?> schedule(long delayNanos, Runnable task) {
        try {
            return executor.schedule(guarded(task), Math.max(0, delayNanos), TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException closing) {
            close();
            return null;
        }
    }

    /**
     * Runs {@code task} every {@code periodNanos}. A failing run is logged and the next one still
     * comes: an executor silently ends a periodic task that throws, which would lose a timer.
     */
    ScheduledFuture<?> scheduleAtFixedRate(Runnable task, long initialDelayNanos, long periodNanos) {
        try {
            return executor.scheduleAtFixedRate(guarded(task), initialDelayNanos, periodNanos, TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException closing) {
            close();
            return null;
        }
    }

    /**
     * Runs {@code body} on the coordinator with the future a caller waits for. The future fails if
     * the body throws, and fails at once when the client is closed before or while it waits.
     */
    <T> CompletableFuture<T> call(Consumer<CompletableFuture<T>> body) {
        CompletableFuture<T> answer = new CompletableFuture<>();
        awaited.add(answer);
        answer.whenComplete((ok, error) -> awaited.remove(answer));
        boolean accepted = execute(() -> {
            try {
                body.accept(answer);
            } catch (RuntimeException e) {
                answer.completeExceptionally(e);
                throw e;
            }
        });
        if (!accepted || closed) {
            answer.completeExceptionally(closedException());
        }
        return answer;
    }

    /** The client is closing: fail every caller still waiting, and log nothing alarming from now on. */
    void close() {
        closed = true;
        for (CompletableFuture<?> waiting : List.copyOf(awaited)) {
            waiting.completeExceptionally(closedException());
        }
    }

    boolean isClosed() {
        return closed;
    }

    private static IllegalStateException closedException() {
        return new IllegalStateException("the MultiDbClient is closed");
    }

    private Runnable guarded(Runnable task) {
        return () -> {
            try {
                task.run();
            } catch (RuntimeException e) {
                // After close a task may trip over a closed connection or executor: not worth an alarm.
                LOG.log(closed ? Level.DEBUG : Level.ERROR, "multidb coordinator task failed", e);
            }
        };
    }
}
