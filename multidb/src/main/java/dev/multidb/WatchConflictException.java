package dev.multidb;

import io.lettuce.core.RedisException;

/** A transaction's watched keys kept changing: EXEC was aborted on every one of its attempts. */
public class WatchConflictException extends RedisException {

    /** @param message the watched keys and how many attempts were made */
    public WatchConflictException(String message) {
        super(message);
    }
}
