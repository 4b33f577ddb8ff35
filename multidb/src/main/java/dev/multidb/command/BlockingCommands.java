package dev.multidb.command;

import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import io.lettuce.core.protocol.CommandType;
import io.lettuce.core.protocol.ProtocolKeyword;
import io.lettuce.core.protocol.RedisCommand;

/**
 * Commands that block the connection they run on until data arrives or their own timeout ends.
 * They get a dedicated connection (so they never stall other threads' commands on the shared
 * one) and a command timeout of their blocking time plus the usual command timeout.
 */
final class BlockingCommands {

    /** Block time is the last argument, in seconds. */
    private static final Set<CommandType> TIMEOUT_LAST_SECONDS = EnumSet.of(CommandType.BLPOP, CommandType.BRPOP,
            CommandType.BRPOPLPUSH, CommandType.BLMOVE, CommandType.BZPOPMIN, CommandType.BZPOPMAX);
    /** Block time is the first argument, in seconds. */
    private static final Set<CommandType> TIMEOUT_FIRST_SECONDS = EnumSet.of(CommandType.BLMPOP, CommandType.BZMPOP);

    private BlockingCommands() {
    }

    /** Cheap enough for the hot path: an enum-set lookup, arguments only read for XREAD/XREADGROUP/WAIT. */
    static boolean isBlocking(RedisCommand<?, ?, ?> command) {
        ProtocolKeyword type = command.getType();
        if (!(type instanceof CommandType commandType)) {
            return false;
        }
        return switch (commandType) {
            case BLPOP, BRPOP, BRPOPLPUSH, BLMOVE, BZPOPMIN, BZPOPMAX, BLMPOP, BZMPOP, WAIT -> true;
            case XREAD, XREADGROUP -> CommandSafety.tokens(command.getArgs()).stream().anyMatch("BLOCK"::equalsIgnoreCase);
            default -> false;
        };
    }

    /** How long the command may block by its own arguments; {@link Duration#ZERO} for "forever". */
    static Duration blockTime(RedisCommand<?, ?, ?> command) {
        CommandType type = (CommandType) command.getType();
        List<String> tokens = CommandSafety.tokens(command.getArgs());
        try {
            if (TIMEOUT_LAST_SECONDS.contains(type)) {
                return seconds(tokens.get(tokens.size() - 1));
            }
            if (TIMEOUT_FIRST_SECONDS.contains(type)) {
                return seconds(tokens.get(0));
            }
            if (type == CommandType.WAIT) {
                return Duration.ofMillis(Long.parseLong(tokens.get(tokens.size() - 1)));
            }
            for (int i = 0; i < tokens.size() - 1; i++) {
                if (tokens.get(i).toUpperCase(Locale.ROOT).equals("BLOCK")) {
                    return Duration.ofMillis(Long.parseLong(tokens.get(i + 1)));
                }
            }
        } catch (RuntimeException unparsable) {
            // Fall through: wait without a limit of our own rather than cut a legitimate block short.
        }
        return Duration.ZERO;
    }

    private static Duration seconds(String token) {
        return Duration.ofNanos((long) (Double.parseDouble(token) * 1_000_000_000L));
    }
}
