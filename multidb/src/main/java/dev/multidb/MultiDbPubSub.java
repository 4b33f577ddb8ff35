package dev.multidb;

import java.time.Duration;

import dev.multidb.failover.FailoverController;

/**
 * Pub/Sub that follows the active database (DESIGN rule 6). STUB: being implemented.
 */
public final class MultiDbPubSub<K, V> implements AutoCloseable {

    private final FailoverController<K, V> controller;
    private final Duration timeout;
    private final Runnable onClose;

    MultiDbPubSub(FailoverController<K, V> controller, Duration timeout, Runnable onClose) {
        this.controller = controller;
        this.timeout = timeout;
        this.onClose = onClose;
    }

    @Override
    public void close() {
        onClose.run();
    }
}
