package dev.multidb.command;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import io.lettuce.core.protocol.CommandArgs;
import io.lettuce.core.protocol.ProtocolKeyword;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

/**
 * The one table that says which commands may be sent twice (DESIGN rule 4).
 *
 * <ul>
 * <li>{@link Safety#READ_ONLY}: changes nothing.</li>
 * <li>{@link Safety#IDEMPOTENT}: applying it twice leaves the same state as applying it once
 * (the second reply may differ, as DEL's count does). Relative expiries (SET … EX, SETEX) count
 * as idempotent: the retry behaves as if the command had arrived a little later.</li>
 * <li>{@link Safety#UNSAFE}: everything else, including every command this table does not know
 * (module commands, scripts). A second application changes the state (INCR, LPUSH, XADD *) or
 * the caller's view of it (SET … NX / GET, whose reply is the point).</li>
 * </ul>
 *
 * Only consulted when an attempt failed, never on the hot path. The table is checked against the server's own
 * {@code COMMAND} metadata by {@code CommandSafetyServerIT}: every READ_ONLY entry is flagged {@code readonly}
 * (PING, ECHO, INFO, TIME, LASTSAVE, ROLE, COMMAND and PUBSUB are listed exceptions: introspection that touches no
 * key), every IDEMPOTENT entry is flagged {@code write}, and every command the server flags {@code readonly} is
 * here or deliberately left out. TOUCH is read-only as the server says (it only refreshes the access time);
 * COPY without REPLACE is idempotent (a second copy finds the destination and does nothing).
 */
public final class CommandSafety {

    /** How safe it is to send a command again after it may have reached the server. */
    public enum Safety {
        READ_ONLY, IDEMPOTENT, UNSAFE;

        public boolean isRetryable() {
            return this != UNSAFE;
        }
    }

    private static final Set<String> READ_ONLY = Set.of(
            // strings and keys
            "GET", "MGET", "GETRANGE", "STRLEN", "LCS", "EXISTS", "TYPE", "TTL", "PTTL", "EXPIRETIME", "PEXPIRETIME",
            "KEYS", "SCAN", "RANDOMKEY", "DUMP", "OBJECT", "TOUCH", "DBSIZE", "SUBSTR",
            // hashes
            "HGET", "HMGET", "HGETALL", "HKEYS", "HVALS", "HLEN", "HEXISTS", "HSTRLEN", "HSCAN", "HRANDFIELD", "HTTL",
            "HPTTL", "HEXPIRETIME", "HPEXPIRETIME",
            // lists
            "LINDEX", "LLEN", "LRANGE", "LPOS", "SORT_RO",
            // sets
            "SCARD", "SISMEMBER", "SMISMEMBER", "SMEMBERS", "SRANDMEMBER", "SSCAN", "SDIFF", "SINTER", "SUNION",
            "SINTERCARD",
            // sorted sets
            "ZCARD", "ZCOUNT", "ZLEXCOUNT", "ZMSCORE", "ZRANGE", "ZRANGEBYSCORE", "ZRANGEBYLEX", "ZREVRANGE",
            "ZREVRANGEBYSCORE", "ZREVRANGEBYLEX", "ZRANK", "ZREVRANK", "ZSCORE", "ZSCAN", "ZDIFF", "ZINTER", "ZUNION",
            "ZINTERCARD", "ZRANDMEMBER",
            // bits, hyperloglog, geo
            "BITCOUNT", "BITPOS", "GETBIT", "BITFIELD_RO", "PFCOUNT", "GEODIST", "GEOHASH", "GEOPOS", "GEORADIUS_RO",
            "GEORADIUSBYMEMBER_RO", "GEOSEARCH",
            // streams (XREAD without a group changes nothing)
            "XLEN", "XRANGE", "XREVRANGE", "XREAD", "XINFO", "XPENDING",
            // scripts declared read-only
            "EVAL_RO", "EVALSHA_RO", "FCALL_RO",
            // server and connection
            "PING", "ECHO", "INFO", "TIME", "LASTSAVE", "ROLE", "COMMAND", "PUBSUB", "LOLWUT",
            // RedisJSON
            "JSON.GET", "JSON.MGET", "JSON.TYPE", "JSON.STRLEN", "JSON.OBJKEYS", "JSON.OBJLEN", "JSON.ARRLEN",
            "JSON.ARRINDEX");

    private static final Set<String> IDEMPOTENT = Set.of(
            "SETEX", "PSETEX", "MSET", "SETRANGE", "SETBIT",
            "DEL", "UNLINK", "EXPIREAT", "PEXPIREAT", "PERSIST", "COPY",
            "HSET", "HMSET", "HDEL", "HEXPIREAT", "HPEXPIREAT", "HPERSIST",
            "LSET",
            "SADD", "SREM",
            "ZREM",
            "PFADD", "GEOADD",
            "XACK", "XDEL",
            "FLUSHDB", "FLUSHALL",
            "JSON.DEL", "JSON.MSET");

    /** SET options that keep it idempotent; any other (NX, XX, GET, IFEQ, …) makes it unsafe. */
    private static final Set<String> SET_IDEMPOTENT_OPTIONS = Set.of("EX", "PX", "EXAT", "PXAT", "KEEPTTL");

    private CommandSafety() {
    }

    /** The commands READ_ONLY by name alone (for the tests that prove the table). */
    static Set<String> readOnlyCommands() {
        return READ_ONLY;
    }

    /** The commands IDEMPOTENT by name alone (for the tests that prove the table). */
    static Set<String> idempotentCommands() {
        return IDEMPOTENT;
    }

    /** Classifies one command by its name and, for the commands whose options matter, its arguments. */
    public static Safety classify(ProtocolKeyword type, CommandArgs<?, ?> args) {
        String name = type.toString().toUpperCase(Locale.ROOT);
        if (READ_ONLY.contains(name)) {
            return Safety.READ_ONLY;
        }
        if (IDEMPOTENT.contains(name)) {
            return Safety.IDEMPOTENT;
        }
        return switch (name) {
            case "SET" -> setSafety(tokens(args));
            case "ZADD" -> noneOf(tokens(args), 1, "INCR");
            case "JSON.SET" -> noneOf(tokens(args), 3, "NX", "XX");
            case "XADD" -> xaddSafety(tokens(args));
            default -> Safety.UNSAFE;
        };
    }

    private static Safety setSafety(List<String> tokens) {
        // SET key value [options]: a numeric token is the argument of EX/PX/EXAT/PXAT.
        for (int i = 2; i < tokens.size(); i++) {
            String token = tokens.get(i).toUpperCase(Locale.ROOT);
            if (!SET_IDEMPOTENT_OPTIONS.contains(token) && !isNumber(token)) {
                return Safety.UNSAFE;
            }
        }
        return Safety.IDEMPOTENT;
    }

    /** IDEMPOTENT unless one of the tokens from {@code from} on is one of {@code keywords} (conservative: a member named INCR also counts). */
    private static Safety noneOf(List<String> tokens, int from, String... keywords) {
        for (int i = from; i < tokens.size(); i++) {
            for (String keyword : keywords) {
                if (tokens.get(i).equalsIgnoreCase(keyword)) {
                    return Safety.UNSAFE;
                }
            }
        }
        return Safety.IDEMPOTENT;
    }

    /**
     * XADD is idempotent only with Redis 8's idempotent-production option and an auto-generated ID:
     * {@code XADD key [NOMKSTREAM] [KEEPREF|DELREF|ACKED] [IDMP producer-id iid | IDMPAUTO producer-id]
     * [MAXLEN|MINID [=|~] threshold [LIMIT count]] * field value [field value …]}. The options are read the way the
     * server reads them (any order, each at most once, up to the first token that is none of them: the ID), so a
     * field or value named {@code IDMP} after the ID is just data. Anything that does not parse is UNSAFE.
     *
     * <p>An explicit ID ({@code XADD s 5-1 f v}) is UNSAFE too, although a second application fails ("ID equal or
     * smaller than the target stream top item") and leaves the stream as it was: the caller would see that error
     * instead of the first attempt's reply, so the retry is not transparent.
     */
    static Safety xaddSafety(List<String> tokens) {
        boolean idempotentProduction = false;
        Set<String> seen = new HashSet<>();
        int i = 1; // tokens[0] is the key
        while (i < tokens.size()) {
            String token = tokens.get(i).toUpperCase(Locale.ROOT);
            String group = switch (token) {
                case "KEEPREF", "DELREF", "ACKED" -> "REF";
                case "IDMP", "IDMPAUTO" -> "IDMP";
                case "MAXLEN", "MINID" -> "TRIM";
                case "NOMKSTREAM" -> "NOMKSTREAM";
                default -> null;
            };
            if (group == null) {
                break; // the ID
            }
            if (!seen.add(group)) {
                return Safety.UNSAFE; // repeated or conflicting options: not what we can vouch for
            }
            switch (token) {
                case "IDMP" -> {
                    i += 3;
                    idempotentProduction = true;
                }
                case "IDMPAUTO" -> {
                    i += 2;
                    idempotentProduction = true;
                }
                case "MAXLEN", "MINID" -> {
                    i++;
                    if (i < tokens.size() && (tokens.get(i).equals("=") || tokens.get(i).equals("~"))) {
                        i++;
                    }
                    i++; // the threshold
                    if (i < tokens.size() && tokens.get(i).equalsIgnoreCase("LIMIT")) {
                        i += 2;
                    }
                }
                default -> i++;
            }
        }
        // Now at the ID, followed by at least one field-value pair.
        int pairs = tokens.size() - i - 1;
        if (i >= tokens.size() || pairs < 2 || pairs % 2 != 0) {
            return Safety.UNSAFE;
        }
        return idempotentProduction && tokens.get(i).equals("*") ? Safety.IDEMPOTENT : Safety.UNSAFE;
    }

    private static boolean isNumber(String token) {
        if (token.isEmpty()) {
            return false;
        }
        for (int i = 0; i < token.length(); i++) {
            if (!Character.isDigit(token.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    /** The arguments as they go on the wire (RESP bulk strings), decoded as UTF-8. */
    static List<String> tokens(CommandArgs<?, ?> args) {
        List<String> tokens = new ArrayList<>();
        if (args == null) {
            return tokens;
        }
        ByteBuf buf = Unpooled.buffer();
        try {
            args.encode(buf);
            while (buf.isReadable()) {
                if (buf.readByte() != '$') {
                    break;
                }
                int length = Integer.parseInt(readLine(buf));
                tokens.add(buf.readCharSequence(length, StandardCharsets.UTF_8).toString());
                buf.skipBytes(2);
            }
        } finally {
            buf.release();
        }
        return tokens;
    }

    private static String readLine(ByteBuf buf) {
        StringBuilder sb = new StringBuilder();
        byte b;
        while ((b = buf.readByte()) != '\r') {
            sb.append((char) b);
        }
        buf.skipBytes(1);
        return sb.toString();
    }
}
