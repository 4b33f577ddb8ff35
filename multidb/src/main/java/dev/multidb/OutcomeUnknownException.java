package dev.multidb;

import io.lettuce.core.RedisException;

/**
 * A command that is not safe to apply twice (INCR, LPUSH, XADD *, EVAL, …), or a write that the
 * server may still apply late (see {@link RetryPolicy}), may have reached the database before the
 * connection failed or the command timed out. It was not retried, so it was applied at most once;
 * whether it was applied is unknown.
 */
public class OutcomeUnknownException extends RedisException {

    /** @serial the command's name, or {@code null} for a pipeline or a transaction */
    private final String command;
    /** @serial the database's name, or {@code null} for a pipeline or a transaction */
    private final String database;

    /**
     * For a command that is not safe to apply twice.
     *
     * @param command  the command's name, e.g. {@code INCR}
     * @param database the name of the database it was sent to
     * @param cause    why the attempt failed (a timeout, a lost connection)
     */
    public OutcomeUnknownException(String command, String database, Throwable cause) {
        this(command, database, "It was not retried because applying it twice would change the result;"
                + " use retryPolicy(RetryPolicy.ALWAYS) to retry such commands anyway.", cause);
    }

    /**
     * With the reason it was not retried.
     *
     * @param command       the command's name, e.g. {@code SET}
     * @param database      the name of the database it was sent to
     * @param whyNotRetried why it was not retried, a sentence
     * @param cause         why the attempt failed (a timeout, a lost connection)
     */
    public OutcomeUnknownException(String command, String database, String whyNotRetried, Throwable cause) {
        super(command + " may or may not have been applied on database '" + database
                + "': the attempt failed after the command was sent (" + cause.getMessage() + "). " + whyNotRetried, cause);
        this.command = command;
        this.database = database;
    }

    /**
     * With a message of its own, for a pipeline or a transaction.
     *
     * @param message what was not retried and why
     * @param cause   why the attempt failed
     */
    public OutcomeUnknownException(String message, Throwable cause) {
        super(message, cause);
        this.command = null;
        this.database = null;
    }

    /** {@return the command's name, e.g. {@code INCR}; {@code null} for a pipeline or a transaction} */
    public String command() {
        return command;
    }

    /** {@return the name of the database the command was sent to; {@code null} for a pipeline or a transaction} */
    public String database() {
        return database;
    }
}
