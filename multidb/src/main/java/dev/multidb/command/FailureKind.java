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
    /**
     * No dedicated connection became free in time, or traffic left the database before a blocking command could be
     * sent there: nothing was sent, and the database is not to blame.
     */
    NO_CONNECTION,
    /** Anything else (e.g. the command could not be encoded): the caller's business. */
    OTHER;

    /**
     * Whether Lettuce failed the command because the server (or the network) closed the connection
     * while multidb still held it open: Lettuce's "Connection disconnected". Such a failure was not
     * caused by multidb cutting the connection, even if multidb closed it a moment later.
     */
    static boolean closedByServer(Throwable error) {
        return error instanceof RedisException && error.getMessage() != null
                && error.getMessage().startsWith("Connection disconnected");
    }

    /**
     * Whether the command's bytes provably never all left the client: Netty fails a write with
     * {@link ClosedChannelException} when the channel closed before the write completed, and Redis
     * runs no partial command. (Its bytes were encoded, so it counts as written until this says no.)
     */
    static boolean neverLeftClient(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof ClosedChannelException) {
                return true;
            }
        }
        return false;
    }

    static FailureKind of(Throwable error) {
        if (error instanceof RejectedByServerException) {
            return REFUSED;
        }
        if (error instanceof DedicatedLeases.NoConnectionInTime || error instanceof BlockingNotSent) {
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
