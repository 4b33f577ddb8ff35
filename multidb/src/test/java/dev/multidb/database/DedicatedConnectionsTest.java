package dev.multidb.database;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Proxy;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import io.lettuce.core.api.StatefulRedisConnection;

class DedicatedConnectionsTest {

    /** Counts closeAsync() calls; every other method answers a neutral value. */
    private static StatefulRedisConnection<String, String> connection(AtomicInteger closes) {
        @SuppressWarnings("unchecked")
        StatefulRedisConnection<String, String> connection = (StatefulRedisConnection<String, String>) Proxy.newProxyInstance(
                StatefulRedisConnection.class.getClassLoader(), new Class<?>[] { StatefulRedisConnection.class },
                (proxy, method, args) -> switch (method.getName()) {
                    case "closeAsync" -> {
                        closes.incrementAndGet();
                        yield CompletableFuture.completedFuture(null);
                    }
                    case "isOpen" -> closes.get() == 0;
                    case "hashCode" -> System.identityHashCode(proxy);
                    case "equals" -> proxy == args[0];
                    default -> null;
                });
        return connection;
    }

    /** Found by the chaos soak: a connection still being opened when the client closed was never closed. */
    @Test
    void aConnectionThatArrivesAfterCloseIsClosedNotLeaked() {
        CompletableFuture<StatefulRedisConnection<String, String>> opening = new CompletableFuture<>();
        DedicatedConnections<String, String> pool = new DedicatedConnections<>("db", 8, () -> opening);
        CompletableFuture<StatefulRedisConnection<String, String>> lease = pool.borrow();

        pool.closeAsync();
        AtomicInteger closes = new AtomicInteger();
        opening.complete(connection(closes));

        assertThat(closes.get()).isEqualTo(1);
        assertThat(lease).isCompletedExceptionally();
    }

    @Test
    void aReleasedConnectionGoesToTheNextWaiterAndIsClosedWithThePool() {
        AtomicInteger closes = new AtomicInteger();
        DedicatedConnections<String, String> pool = new DedicatedConnections<>("db", 1,
                () -> CompletableFuture.completedFuture(connection(closes)));
        StatefulRedisConnection<String, String> first = pool.borrow().join();
        CompletableFuture<StatefulRedisConnection<String, String>> waiter = pool.borrow();
        assertThat(waiter).isNotDone();

        pool.release(first, true);

        assertThat(waiter.join()).isSameAs(first);
        pool.closeAsync().join();
        assertThat(closes.get()).isEqualTo(1);
    }

    /** Found in review: a waiter that gave up used to absorb the wake-up meant for the one behind it. */
    @Test
    void aClosedConnectionsSlotGoesToAWaiterStillWaitingNotToOneThatGaveUp() {
        DedicatedConnections<String, String> pool = new DedicatedConnections<>("db", 1,
                () -> CompletableFuture.completedFuture(connection(new AtomicInteger())));
        StatefulRedisConnection<String, String> first = pool.borrow().join();
        CompletableFuture<StatefulRedisConnection<String, String>> gaveUp = pool.borrow();
        CompletableFuture<StatefulRedisConnection<String, String>> stillWaiting = pool.borrow();
        gaveUp.cancel(false);

        pool.release(first, false); // failed: closed, its slot is free

        assertThat(stillWaiting).isCompleted();
        assertThat(stillWaiting.join()).isNotSameAs(first);
    }
}
