package dev.multidb.health;

import io.lettuce.core.RedisException;

/**
 * A health probe got no answer in time, but the server's TCP stack acknowledged it: the server is
 * alive and busy running something long (a script, a big DEL, a fork), or it is a stopped process
 * whose kernel still acknowledges. Not a failure until the client's busy budget runs out.
 */
public class ServerBusyException extends RedisException {

    /** @param message which database, and for how long it has been busy */
    public ServerBusyException(String message) {
        super(message);
    }
}
