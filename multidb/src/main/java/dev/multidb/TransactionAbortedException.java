package dev.multidb;

import io.lettuce.core.RedisException;

/**
 * A transaction was not applied and was not run again: the active database changed (or its
 * connection failed) before EXEC, and the retry policy, or writes the callback sent before MULTI
 * (which ran at once and would run again), did not allow a re-run. Nothing of the MULTI block was
 * applied; the writes sent before MULTI, if any, were.
 */
public class TransactionAbortedException extends RedisException {

    /**
     * @param message why the transaction was not re-run
     * @param cause   the failure that aborted it
     */
    public TransactionAbortedException(String message, Throwable cause) {
        super(message, cause);
    }
}
