package dev.multidb.event;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

import dev.multidb.MultiDbEvent;

/**
 * Delivers events to listeners on one dedicated thread, in publication order, so that a slow or
 * throwing listener never stalls a command or the failover machinery. The thread is started with
 * the first listener and stopped by {@link #close()}.
 *
 * <p>Events wait for that thread in a bounded queue ({@link #DEFAULT_CAPACITY} by default): during an
 * outage every failed attempt publishes a {@link dev.multidb.CommandFailedEvent}, and a slow listener must
 * not make memory grow without bound. When the queue is full a new event is dropped (never blocking the
 * publisher), counted in {@link #droppedEvents()}, and the first drop is logged once as a warning.
 */
public final class EventBus implements AutoCloseable {

    /** How many events may wait for delivery by default: 10 000 (a few MB at most). */
    public static final int DEFAULT_CAPACITY = 10_000;

    private static final System.Logger LOG = System.getLogger(EventBus.class.getName());

    private final Map<Class<?>, List<Consumer<? super MultiDbEvent>>> listeners = new ConcurrentHashMap<>();
    private final ThreadPoolExecutor executor;
    private final int capacity;
    private final String threadName;
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicBoolean warned = new AtomicBoolean();
    private volatile boolean hasListeners;

    /** A bus whose queue holds {@link #DEFAULT_CAPACITY} events; its thread is called {@code threadName}. */
    public EventBus(String threadName) {
        this(threadName, DEFAULT_CAPACITY);
    }

    /**
     * A bus whose queue holds {@code capacity} events waiting for delivery.
     *
     * @throws IllegalArgumentException if {@code capacity} is below 1
     */
    public EventBus(String threadName, int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("event queue capacity must be >= 1, was " + capacity);
        }
        this.capacity = capacity;
        this.threadName = threadName;
        this.executor = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new ArrayBlockingQueue<>(capacity), r -> {
            Thread t = new Thread(r, threadName);
            t.setDaemon(true);
            return t;
        }, (task, pool) -> {
            if (!pool.isShutdown()) {
                onDropped();
            } // else the client is closing: late events are dropped silently
        });
    }

    /** How many events may wait for delivery. */
    public int capacity() {
        return capacity;
    }

    /** How many events were dropped because the queue was full (a listener too slow for the event rate). */
    public long droppedEvents() {
        return dropped.get();
    }

    private void onDropped() {
        dropped.incrementAndGet();
        if (warned.compareAndSet(false, true)) {
            LOG.log(System.Logger.Level.WARNING, "event queue of " + threadName + " is full (" + capacity
                    + " events): dropping events until listeners catch up; a listener is too slow. This is logged once;"
                    + " the count is in EventBus.droppedEvents() and MultiDbStatus.droppedEvents()");
        }
    }

    @SuppressWarnings("unchecked")
    public <E extends MultiDbEvent> void addListener(Class<E> type, Consumer<? super E> listener) {
        listeners.computeIfAbsent(type, t -> new CopyOnWriteArrayList<>()).add((Consumer<? super MultiDbEvent>) listener);
        hasListeners = true;
    }

    public void removeListener(Consumer<?> listener) {
        listeners.values().forEach(list -> list.remove(listener));
    }

    /** Whether anybody listens at all: lets callers skip building an event. */
    public boolean hasListeners() {
        return hasListeners;
    }

    public void publish(MultiDbEvent event) {
        if (!hasListeners) {
            return;
        }
        executor.execute(() -> deliver(event)); // a full queue or a closed bus: see the rejection handler
    }

    private void deliver(MultiDbEvent event) {
        for (Map.Entry<Class<?>, List<Consumer<? super MultiDbEvent>>> entry : listeners.entrySet()) {
            if (!entry.getKey().isInstance(event)) {
                continue;
            }
            for (Consumer<? super MultiDbEvent> listener : entry.getValue()) {
                try {
                    listener.accept(event);
                } catch (Throwable t) {
                    LOG.log(System.Logger.Level.WARNING, "event listener failed on " + event, t);
                }
            }
        }
    }

    @Override
    public void close() {
        executor.shutdown();
        try {
            if (!executor.awaitTermination(2, TimeUnit.SECONDS)) {
                executor.shutdownNow();
            }
        } catch (InterruptedException e) {
            executor.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }
}
