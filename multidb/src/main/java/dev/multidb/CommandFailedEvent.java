package dev.multidb;

/**
 * A command attempt failed with a connection error or a timeout (Redis error replies are not
 * failures). {@code willRetry} says whether the client sends it again.
 */
public record CommandFailedEvent(String command, Database database, Throwable error, boolean willRetry)
        implements MultiDbEvent {
}
