package dev.multidb;

/**
 * Which failed commands the client may send again (DESIGN rule 4).
 *
 * <p>Under SAFE and ALWAYS a command that provably never reached the server (the connection was
 * closed or not yet open, the database was being left, the server refused it with CLUSTERDOWN,
 * TRYAGAIN, LOADING or MASTERDOWN) is always sent again; they differ only for commands that may
 * have reached it (a timeout, or a connection lost after the command was written). NEVER sends
 * nothing again. The same rules apply to each command of a pipeline and to a transaction as a
 * whole (see {@code MultiDbClient.transaction}); {@link dev.multidb.command.AttemptExecutor}
 * applies them.
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
    /** Never retry: every connection error, timeout or refusal reaches the caller as it is. */
    NEVER
}
