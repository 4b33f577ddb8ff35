package dev.multidb.pubsub;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

import io.lettuce.core.pubsub.RedisPubSubListener;

import dev.multidb.PubSubMessage;

/**
 * The one stream a session's user sees: every connection of the session feeds it, whichever
 * database it is on, so a switch does not show. Data messages go to a bounded queue for
 * {@code getMessage} and to the listeners; confirmations go to the listeners only.
 */
final class MessageStream<K, V> implements RedisPubSubListener<K, V> {

    private static final System.Logger LOG = System.getLogger(MessageStream.class.getName());
    /** Wakes {@link #take} callers at close; one waiter puts it back for the next. */
    @SuppressWarnings("rawtypes")
    private static final PubSubMessage CLOSED = new PubSubMessage<>(null, null, null, false);

    private final int capacity;
    private final BlockingQueue<PubSubMessage<K, V>> queue;
    private final AtomicLong dropped = new AtomicLong();
    private final List<RedisPubSubListener<K, V>> listeners = new CopyOnWriteArrayList<>();
    private volatile boolean closed;

    MessageStream(int capacity) {
        this.capacity = capacity;
        this.queue = new LinkedBlockingQueue<>(capacity);
    }

    /** The next data message, or {@code null} on timeout, after close, or when interrupted. */
    PubSubMessage<K, V> take(Duration timeout) {
        if (closed) {
            return null;
        }
        PubSubMessage<K, V> message;
        try {
            message = queue.poll(Math.max(0, timeout.toNanos()), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
        if (message == CLOSED) {
            queue.offer(message);
            return null;
        }
        return message;
    }

    void addListener(RedisPubSubListener<K, V> listener) {
        listeners.add(listener);
    }

    void removeListener(RedisPubSubListener<K, V> listener) {
        listeners.remove(listener);
    }

    /** Delivers nothing more and wakes the {@link #take} callers. */
    void close() {
        closed = true;
        queue.clear();
        @SuppressWarnings("unchecked")
        PubSubMessage<K, V> marker = CLOSED;
        queue.offer(marker);
    }

    private void enqueue(PubSubMessage<K, V> message) {
        if (closed) {
            return;
        }
        while (!queue.offer(message)) {
            if (queue.poll() != null && dropped.getAndIncrement() % capacity == 0) {
                // Expected when the application only uses listeners: quiet then.
                LOG.log(listeners.isEmpty() ? Level.WARNING : Level.DEBUG, "getMessage() queue full (" + capacity
                        + " messages not taken): dropping the oldest (" + dropped.get() + " dropped so far)");
            }
        }
    }

    private void notifyListeners(Consumer<RedisPubSubListener<K, V>> call) {
        if (closed) {
            return;
        }
        for (RedisPubSubListener<K, V> listener : listeners) {
            try {
                call.accept(listener);
            } catch (RuntimeException e) {
                // One broken listener must not starve the others.
                LOG.log(Level.WARNING, "Pub/Sub listener " + listener + " failed", e);
            }
        }
    }

    @Override
    public void message(K channel, V message) {
        enqueue(new PubSubMessage<>(channel, null, message, false));
        notifyListeners(l -> l.message(channel, message));
    }

    @Override
    public void message(K pattern, K channel, V message) {
        enqueue(new PubSubMessage<>(channel, pattern, message, false));
        notifyListeners(l -> l.message(pattern, channel, message));
    }

    @Override
    public void smessage(K shardChannel, V message) {
        enqueue(new PubSubMessage<>(shardChannel, null, message, true));
        notifyListeners(l -> l.smessage(shardChannel, message));
    }

    @Override
    public void subscribed(K channel, long count) {
        notifyListeners(l -> l.subscribed(channel, count));
    }

    @Override
    public void psubscribed(K pattern, long count) {
        notifyListeners(l -> l.psubscribed(pattern, count));
    }

    @Override
    public void ssubscribed(K shardChannel, long count) {
        notifyListeners(l -> l.ssubscribed(shardChannel, count));
    }

    @Override
    public void unsubscribed(K channel, long count) {
        notifyListeners(l -> l.unsubscribed(channel, count));
    }

    @Override
    public void punsubscribed(K pattern, long count) {
        notifyListeners(l -> l.punsubscribed(pattern, count));
    }

    @Override
    public void sunsubscribed(K shardChannel, long count) {
        notifyListeners(l -> l.sunsubscribed(shardChannel, count));
    }
}
