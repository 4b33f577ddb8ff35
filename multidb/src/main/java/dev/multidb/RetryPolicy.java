package dev.multidb;

/**
 * Which failed commands the client may send again (DESIGN rule 4).
 *
 * <p>Under every policy but NEVER a command that provably never reached the server (the
 * connection was closed or not yet open, the database was being left, the server refused it with
 * CLUSTERDOWN, TRYAGAIN, LOADING or MASTERDOWN) is always sent again; the policies differ for
 * commands that may have reached it (a timeout, or a connection lost after the command was
 * written). NEVER sends nothing again. The same rules apply to each command of a pipeline and to
 * a transaction as a whole (see {@code MultiDbClient.transaction});
 * {@link dev.multidb.command.AttemptExecutor} applies them.
 *
 * <p><b>Late application.</b> A write that reached a server the client gave up on (the command
 * timed out, or the client closed the connection because the server stopped answering) may still
 * be applied by that server later, when it resumes or the network heals: a frozen process reads
 * its socket when it thaws, and TCP delivers what it held back. Sent again elsewhere, even an
 * idempotent write then lands twice, the second time late; in an Active-Active deployment the
 * late copy is replicated with a newer timestamp and overwrites whatever was written to the key
 * in between (a silently lost update). SAFE therefore re-sends a write only when the server can
 * no longer run it (it closed or reset the connection itself, or refused the command).
 */
public enum RetryPolicy {
    /**
     * Default. Retry a command that may have reached the server only when that can never apply a
     * write twice: read-only commands always; idempotent writes (see
     * {@link dev.multidb.command.CommandSafety}) only when the server itself ended the connection,
     * so it cannot apply them late. Anything else fails with {@link OutcomeUnknownException}.
     */
    SAFE,
    /**
     * Also retry idempotent writes that the client gave up on after a timeout or a stall. Faster
     * through a frozen or cut-off server (no {@link OutcomeUnknownException} for SET, HSET, DEL …),
     * at the cost of the late application described above: choose it only where a late copy of a
     * write cannot overwrite a newer one (a single writer per key, or no Active-Active replication).
     */
    IDEMPOTENT,
    /**
     * Retry every command after a connection error or timeout, even if it may be applied twice, or
     * late (at-least-once).
     */
    ALWAYS,
    /** Never retry: every connection error, timeout or refusal reaches the caller as it is. */
    NEVER
}
