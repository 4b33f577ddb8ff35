package dev.multidb;

import io.lettuce.core.RedisException;

/**
 * No database has been usable for longer than the failover window, or a requested database is
 * not usable. The client keeps health-checking: the first command after a database turns
 * healthy again succeeds.
 */
public class NoValidDatabaseException extends RedisException {

    /** @param message what was not usable, and since when or why */
    public NoValidDatabaseException(String message) {
        super(message);
    }
}
