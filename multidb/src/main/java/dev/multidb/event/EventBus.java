package dev.multidb.event;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import dev.multidb.MultiDbEvent;

/**
 * Delivers events to listeners on one dedicated thread, in publication order, so that a slow or
 * throwing listener never stalls a command or the failover machinery. The thread is started with
 * the first listener and stopped by {@link #close()}.
 */
public final class EventBus implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(EventBus.class.getName());

    private final Map<Class<?>, List<Consumer<? super MultiDbEvent>>> listeners = new ConcurrentHashMap<>();
    private final ExecutorService executor;
    private volatile boolean hasListeners;

    public EventBus(String threadName) {
        ThreadPoolExecutor pool = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(), r -> {
            Thread t = new Thread(r, threadName);
            t.setDaemon(true);
            return t;
        });
        this.executor = pool;
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
        try {
            executor.execute(() -> deliver(event));
        } catch (RejectedExecutionException closed) {
            // The client is closing: late events are dropped.
        }
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
