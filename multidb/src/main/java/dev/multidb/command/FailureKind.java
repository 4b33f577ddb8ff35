package dev.multidb.command;

import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.util.concurrent.CancellationException;

import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.RedisConnectionException;
import io.lettuce.core.RedisException;

/** What kind of failure ended an attempt: only connection failures and timeouts are the database's fault. */
enum FailureKind {
    /** The connection was lost, closed, refused or never there. */
    CONNECTION,
    /** No reply within the command timeout. */
    TIMEOUT,
    /** The database refused the command without executing it (CLUSTERDOWN, LOADING, …). */
    REFUSED,
    /** No dedicated connection became free in time: nothing was sent, and the database is not to blame. */
    NO_CONNECTION,
    /** Anything else (e.g. the command could not be encoded): the caller's business. */
    OTHER;

    static FailureKind of(Throwable error) {
        if (error instanceof RejectedByServerException) {
            return REFUSED;
        }
        if (error instanceof DedicatedLeases.NoConnectionInTime) {
            return NO_CONNECTION;
        }
        if (error instanceof RedisCommandTimeoutException) {
            return TIMEOUT;
        }
        if (error instanceof RedisConnectionException || error instanceof IOException
                || error instanceof ClosedChannelException || error instanceof CancellationException) {
            return CONNECTION;
        }
        if (error instanceof RedisException && error.getMessage() != null) {
            String message = error.getMessage();
            // Lettuce's wording when a connection is closed or not connected.
            if (message.startsWith("Connection closed") || message.startsWith("Connection is closed")
                    || message.startsWith("Connection disconnected")
                    || message.startsWith("Currently not connected") || message.startsWith("Reset")) {
                return CONNECTION;
            }
        }
        if (error.getCause() != null && error.getCause() != error) {
            FailureKind cause = of(error.getCause());
            if (cause != OTHER) {
                return cause;
            }
        }
        return OTHER;
    }
}
