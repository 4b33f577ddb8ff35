package dev.multidb.command;

import java.util.List;
import java.util.Locale;

import io.lettuce.core.RedisException;
import io.lettuce.core.protocol.CommandType;
import io.lettuce.core.protocol.RedisCommand;

/**
 * What a command means for the connection it travels on, as an application connection
 * ({@code connect()}) treats it: most commands are plain and follow the active database; some
 * set connection state that must follow the connection to every database; WATCH and MULTI pin it
 * to one database until the transaction ends; a few cannot follow a switch at all.
 */
final class SessionCommands {

    enum Kind {
        /** Follows the active database, with retries. */
        PLAIN,
        /** Sets connection state, remembered under {@link Classified#stateKey}. */
        STATE,
        /** WATCH or MULTI outside a transaction: the connection is pinned from here. */
        BEGINS_TRANSACTION,
        /** Cannot follow a switch: refused with {@link Classified#refusal}. */
        REFUSED
    }

    record Classified(Kind kind, String stateKey, RedisException refusal) {
        static final Classified PLAIN = new Classified(Kind.PLAIN, null, null);
    }

    private SessionCommands() {
    }

    static Classified classify(RedisCommand<?, ?, ?> command) {
        if (!(command.getType() instanceof CommandType type)) {
            return Classified.PLAIN; // a custom command (module, dispatch with a custom keyword)
        }
        return switch (type) {
            case WATCH, MULTI -> new Classified(Kind.BEGINS_TRANSACTION, null, null);
            case SELECT, AUTH, HELLO -> state(type.name());
            case READONLY, READWRITE -> state("READONLY");
            case CLIENT -> client(CommandSafety.tokens(command.getArgs()));
            case MONITOR -> refused("MONITOR streams the commands of one server, and cannot follow a switch to another;"
                    + " run it on a plain Lettuce connection to the database you want to watch");
            case SUBSCRIBE, PSUBSCRIBE, SSUBSCRIBE, UNSUBSCRIBE, PUNSUBSCRIBE, SUNSUBSCRIBE -> refused(type.name()
                    + " needs a Pub/Sub connection: use MultiDbClient.pubsub(), whose subscriptions follow the active database");
            default -> Classified.PLAIN;
        };
    }

    private static Classified client(List<String> args) {
        String sub = args.isEmpty() ? "" : args.get(0).toUpperCase(Locale.ROOT);
        return switch (sub) {
            case "SETNAME", "NO-EVICT", "NO-TOUCH", "TRACKING" -> state("CLIENT " + sub);
            case "SETINFO" -> state("CLIENT SETINFO " + (args.size() > 1 ? args.get(1).toUpperCase(Locale.ROOT) : ""));
            case "PAUSE" -> refused("CLIENT PAUSE stops one server's clients, multidb's health checks among them, which"
                    + " then see that database as failing; pause the server with a plain Lettuce connection, after forcing"
                    + " traffic elsewhere");
            case "REPLY" -> refused("CLIENT REPLY OFF/SKIP leaves commands without replies, so a failed connection"
                    + " could no longer tell which of them ran; use a plain Lettuce connection for fire-and-forget traffic");
            default -> Classified.PLAIN; // ID, INFO, LIST, GETNAME, KILL, UNPAUSE, …: to the active database
        };
    }

    private static Classified state(String key) {
        return new Classified(Kind.STATE, key, null);
    }

    private static Classified refused(String why) {
        return new Classified(Kind.REFUSED, null, new RedisException(why));
    }
}
