package dev.multidb;

/**
 * Which failed commands the client may send again (DESIGN rule 4).
 *
 * <p>A command that provably never reached the server (the connection was closed or not yet
 * open, the database was being left) is always safe to send again; the policies differ only for
 * commands that may have reached it (a timeout, or a connection lost after the command was
 * written).
 */
public enum RetryPolicy {
    /**
     * Default. Retry a command that may have reached the server only when applying it twice
     * leaves the same state: read-only commands and idempotent writes (see
     * {@link dev.multidb.command.CommandSafety}). Anything else fails with
     * {@link OutcomeUnknownException}.
     */
    SAFE,
    /** Retry every command after a connection error or timeout, even if it may be applied twice. */
    ALWAYS,
    /** Never retry: every connection error or timeout reaches the caller. */
    NEVER
}
