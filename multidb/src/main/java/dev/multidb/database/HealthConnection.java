package dev.multidb.database;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

import io.lettuce.core.api.StatefulConnection;

/**
 * The long-lived connection health checks run on, apart from the command traffic: opened when
 * needed (one opening at a time), dropped after a failed probe so the next one never reads a reply
 * meant for a probe that timed out, and closed with its database.
 */
public final class HealthConnection {

    private final String database;
    private final Duration timeout;
    private final Supplier<CompletableFuture<StatefulConnection<String, String>>> opener;
    private volatile StatefulConnection<String, String> connection;
    private CompletableFuture<StatefulConnection<String, String>> connecting;
    private boolean closed;

    HealthConnection(String database, Duration timeout, Supplier<CompletableFuture<StatefulConnection<String, String>>> opener) {
        this.database = database;
        this.timeout = timeout;
        this.opener = opener;
    }

    /** Whether it is open now (a probe on it needs no connect). */
    public boolean isOpen() {
        StatefulConnection<String, String> current = connection;
        return current != null && current.isOpen();
    }

    /** The connection as it is now (open or not), or {@code null}: for reading its socket's progress. */
    public StatefulConnection<String, String> current() {
        return connection;
    }

    /** Closes it; the next probe opens a fresh one. */
    public synchronized void drop() {
        if (connection != null) {
            connection.closeAsync();
            connection = null;
        }
    }

    /** Closes {@code lost} if it is still the current connection (not one opened since); the next probe opens a fresh one. */
    public synchronized void drop(StatefulConnection<String, String> lost) {
        if (connection == lost) {
            drop();
        }
    }

    /** The connection, opened (again) when needed. */
    public synchronized CompletableFuture<StatefulConnection<String, String>> get() {
        StatefulConnection<String, String> current = connection;
        if (current != null && current.isOpen()) {
            return CompletableFuture.completedFuture(current);
        }
        if (current != null) {
            current.closeAsync();
            connection = null;
        }
        if (connecting != null && !connecting.isDone()) {
            return connecting;
        }
        if (closed) {
            return closedFuture();
        }
        CompletableFuture<StatefulConnection<String, String>> opening = opener.get().thenApply(opened -> {
            opened.setTimeout(timeout);
            synchronized (this) {
                if (closed) { // the database closed while it opened: nobody else would close it
                    opened.closeAsync();
                    throw new IllegalStateException("database '" + database + "' is closed");
                }
                connection = opened;
            }
            return opened;
        });
        connecting = opening;
        return opening;
    }

    /** Closes it for good: a connection still opening is closed when it arrives. */
    synchronized CompletableFuture<Void> close() {
        closed = true;
        StatefulConnection<String, String> current = connection;
        connection = null;
        return current == null ? CompletableFuture.completedFuture(null) : current.closeAsync();
    }

    private CompletableFuture<StatefulConnection<String, String>> closedFuture() {
        return CompletableFuture.failedFuture(new IllegalStateException("database '" + database + "' is closed"));
    }
}
