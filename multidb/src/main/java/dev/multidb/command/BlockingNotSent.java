package dev.multidb.command;

import io.lettuce.core.RedisException;

/**
 * A blocking command that waited for a connection was not sent: traffic left its database meanwhile (it would block
 * there with nobody to end it; it is retried where traffic went), or its caller cancelled it (it would pop for
 * nobody). Nothing was sent and the database is not to blame, so no failure detector counts it.
 */
final class BlockingNotSent extends RedisException {

    private BlockingNotSent(String message) {
        super(message);
    }

    static BlockingNotSent left(String database) {
        return new BlockingNotSent("traffic left database '" + database + "' before this blocking command could be sent there;"
                + " nothing was sent");
    }

    static BlockingNotSent cancelled(String database) {
        return new BlockingNotSent("the caller cancelled this blocking command before it could be sent to database '" + database
                + "'; nothing was sent");
    }
}
