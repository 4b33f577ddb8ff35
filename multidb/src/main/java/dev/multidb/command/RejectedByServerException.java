package dev.multidb.command;

import io.lettuce.core.RedisCommandExecutionException;

/**
 * The database answered that it cannot serve the command right now (CLUSTERDOWN, TRYAGAIN,
 * LOADING, MASTERDOWN): it refused the command without executing it, so sending it again is safe
 * whatever the command is. Reaches the caller only when every retry was refused.
 */
public class RejectedByServerException extends RedisCommandExecutionException {

    public RejectedByServerException(String reply) {
        super(reply);
    }
}
