package dev.multidb;

import io.lettuce.core.RedisException;

/**
 * No database is healthy right now, but the client is still within its failover window
 * ({@code failoverAttempts × failoverDelay} of wall-clock time since the last database was
 * lost). The client keeps health-checking; retry later or serve from a fallback.
 */
public class TemporaryUnavailableException extends RedisException {

    /** @param message what is unavailable, and for how long it has been */
    public TemporaryUnavailableException(String message) {
        super(message);
    }
}
