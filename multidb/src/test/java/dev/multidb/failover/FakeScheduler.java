package dev.multidb.failover;

import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.Callable;
import java.util.concurrent.Delayed;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * A single-threaded scheduler on a virtual clock: nothing runs until the test says so, tasks run
 * in (due time, submission) order on the test's thread, and time moves only when the test moves it.
 */
final class FakeScheduler extends AbstractExecutorService implements ScheduledExecutorService {

    /** More tasks than this at one instant means something reschedules itself without end. */
    private static final int MAX_TASKS_PER_INSTANT = 100_000;

    private final PriorityQueue<Task> queue = new PriorityQueue<>();
    private long now;
    private long sequence;
    private boolean shutdown;

    long now() {
        return now;
    }

    /** Runs every task due now, including those they submit for now. */
    void runDue() {
        int ran = 0;
        while (!queue.isEmpty() && queue.peek().dueNanos <= now) {
            Task task = queue.poll();
            if (task.cancelled) {
                continue;
            }
            if (++ran > MAX_TASKS_PER_INSTANT) {
                throw new AssertionError("more than " + MAX_TASKS_PER_INSTANT + " tasks at one instant: a task reschedules itself without end");
            }
            task.run();
        }
    }

    /** Moves the clock forward by {@code nanos}, running every task that falls due on the way, in order. */
    void advance(long nanos) {
        long target = now + nanos;
        while (true) {
            runDue();
            Task next = nextLive();
            if (next == null || next.dueNanos > target) {
                break;
            }
            now = next.dueNanos;
        }
        now = target;
        runDue();
    }

    /** Moves the clock to the next task's due time and runs what is due then; false if nothing is scheduled. */
    boolean advanceToNext() {
        runDue();
        Task next = nextLive();
        if (next == null) {
            return false;
        }
        now = Math.max(now, next.dueNanos);
        runDue();
        return true;
    }

    private Task nextLive() {
        while (!queue.isEmpty() && queue.peek().cancelled) {
            queue.poll();
        }
        return queue.peek();
    }

    @Override
    public void execute(Runnable command) {
        schedule(command, 0, TimeUnit.NANOSECONDS);
    }

    @Override
    public ScheduledFuture<?> schedule(Runnable command, long delay, TimeUnit unit) {
        return add(command, unit.toNanos(delay), 0);
    }

    @Override
    public <V> ScheduledFuture<V> schedule(Callable<V> callable, long delay, TimeUnit unit) {
        throw new UnsupportedOperationException("not used by the failover machinery");
    }

    @Override
    public ScheduledFuture<?> scheduleAtFixedRate(Runnable command, long initialDelay, long period, TimeUnit unit) {
        return add(command, unit.toNanos(initialDelay), unit.toNanos(period));
    }

    @Override
    public ScheduledFuture<?> scheduleWithFixedDelay(Runnable command, long initialDelay, long delay, TimeUnit unit) {
        return add(command, unit.toNanos(initialDelay), unit.toNanos(delay));
    }

    private Task add(Runnable command, long delayNanos, long periodNanos) {
        if (shutdown) {
            throw new RejectedExecutionException("shut down");
        }
        Task task = new Task(command, now + Math.max(0, delayNanos), periodNanos, sequence++);
        queue.add(task);
        return task;
    }

    @Override
    public void shutdown() {
        shutdown = true;
    }

    @Override
    public List<Runnable> shutdownNow() {
        shutdown = true;
        List<Runnable> dropped = new ArrayList<>(queue);
        queue.clear();
        return dropped;
    }

    @Override
    public boolean isShutdown() {
        return shutdown;
    }

    @Override
    public boolean isTerminated() {
        return shutdown && queue.isEmpty();
    }

    @Override
    public boolean awaitTermination(long timeout, TimeUnit unit) {
        return isTerminated();
    }

    private final class Task implements ScheduledFuture<Object>, Runnable {
        final Runnable command;
        long dueNanos;
        final long periodNanos;
        long seq;
        boolean cancelled;
        boolean done;

        Task(Runnable command, long dueNanos, long periodNanos, long seq) {
            this.command = command;
            this.dueNanos = dueNanos;
            this.periodNanos = periodNanos;
            this.seq = seq;
        }

        @Override
        public void run() {
            try {
                command.run();
            } catch (RuntimeException e) {
                // As a ScheduledThreadPoolExecutor does: a periodic task that throws runs no more.
                done = true;
                throw e;
            }
            if (periodNanos > 0 && !cancelled && !shutdown) {
                dueNanos += periodNanos;
                seq = sequence++;
                queue.add(this);
            } else {
                done = true;
            }
        }

        @Override
        public long getDelay(TimeUnit unit) {
            return unit.convert(dueNanos - now, TimeUnit.NANOSECONDS);
        }

        @Override
        public int compareTo(Delayed other) {
            Task o = (Task) other;
            int byTime = Long.compare(dueNanos, o.dueNanos);
            return byTime != 0 ? byTime : Long.compare(seq, o.seq);
        }

        @Override
        public boolean cancel(boolean mayInterruptIfRunning) {
            if (done) {
                return false;
            }
            cancelled = true;
            return true;
        }

        @Override
        public boolean isCancelled() {
            return cancelled;
        }

        @Override
        public boolean isDone() {
            return done || cancelled;
        }

        @Override
        public Object get() {
            throw new UnsupportedOperationException();
        }

        @Override
        public Object get(long timeout, TimeUnit unit) {
            throw new UnsupportedOperationException();
        }
    }
}
