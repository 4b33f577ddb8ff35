package dev.multidb.command;

import io.lettuce.core.RedisException;

/**
 * A blocking command was routed to a database that traffic left before the command could be sent (it waited for
 * a connection): it was not sent there, where nobody would end it, and is retried where traffic went. Not the
 * database's fault, so no failure detector counts it.
 */
final class LeftBeforeSent extends RedisException {

    LeftBeforeSent(String database) {
        super("traffic left database '" + database + "' before this blocking command could be sent there; nothing was sent");
    }
}
