package dev.multidb.command;

import java.util.EnumSet;
import java.util.List;
import java.util.Set;

import io.lettuce.core.protocol.CommandType;
import io.lettuce.core.protocol.ProtocolKeyword;

/**
 * Which error replies mean "the database did not run this command" (CLUSTERDOWN, TRYAGAIN,
 * LOADING, MASTERDOWN), so that sending it again is safe whatever it is.
 *
 * <p>Only a top-level reply to a command of Redis itself counts: a script or a function (and any
 * module command) can return any error text after it wrote, so for them such a reply is the
 * command's own answer; an error inside an array is one element of an answer.
 */
final class Refusals {

    private static final List<String> REFUSAL_CODES = List.of("CLUSTERDOWN", "TRYAGAIN", "LOADING", "MASTERDOWN");

    /** Commands that run user code, whose error replies may say anything after writing anything. */
    private static final Set<CommandType> USER_CODE = EnumSet.of(CommandType.EVAL, CommandType.EVALSHA,
            CommandType.EVAL_RO, CommandType.EVALSHA_RO, CommandType.FCALL, CommandType.FCALL_RO);

    private Refusals() {
    }

    /** Whether {@code reply}, the whole answer to a command of type {@code type}, is a refusal. */
    static boolean isRefusal(ProtocolKeyword type, String reply) {
        if (!(type instanceof CommandType commandType) || USER_CODE.contains(commandType)) {
            return false;
        }
        for (String code : REFUSAL_CODES) {
            if (reply.startsWith(code) && (reply.length() == code.length() || reply.charAt(code.length()) == ' ')) {
                return true;
            }
        }
        return false;
    }
}
