package dev.multidb.command;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Set;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import io.lettuce.core.SetArgs;
import io.lettuce.core.XAddArgs;
import io.lettuce.core.ZAddArgs;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.protocol.CommandArgs;
import io.lettuce.core.protocol.CommandType;
import io.lettuce.core.protocol.ProtocolKeyword;

import dev.multidb.command.CommandSafety.Safety;

/**
 * Every entry of the table, by name, and every argument-dependent case. The expected lists are written out here
 * (not read from the table), so a command added to, removed from or moved within the table fails
 * {@link #theTableHoldsExactlyTheseCommands()} until this test says so too. Whether the server agrees is
 * {@link CommandSafetyServerIT}'s job.
 */
class CommandSafetyTest {

    static final Set<String> EXPECTED_READ_ONLY = Set.of(
            "GET", "MGET", "GETRANGE", "STRLEN", "LCS", "EXISTS", "TYPE", "TTL", "PTTL", "EXPIRETIME", "PEXPIRETIME",
            "KEYS", "SCAN", "RANDOMKEY", "DUMP", "OBJECT", "TOUCH", "DBSIZE", "SUBSTR",
            "HGET", "HMGET", "HGETALL", "HKEYS", "HVALS", "HLEN", "HEXISTS", "HSTRLEN", "HSCAN", "HRANDFIELD", "HTTL",
            "HPTTL", "HEXPIRETIME", "HPEXPIRETIME",
            "LINDEX", "LLEN", "LRANGE", "LPOS", "SORT_RO",
            "SCARD", "SISMEMBER", "SMISMEMBER", "SMEMBERS", "SRANDMEMBER", "SSCAN", "SDIFF", "SINTER", "SUNION",
            "SINTERCARD",
            "ZCARD", "ZCOUNT", "ZLEXCOUNT", "ZMSCORE", "ZRANGE", "ZRANGEBYSCORE", "ZRANGEBYLEX", "ZREVRANGE",
            "ZREVRANGEBYSCORE", "ZREVRANGEBYLEX", "ZRANK", "ZREVRANK", "ZSCORE", "ZSCAN", "ZDIFF", "ZINTER", "ZUNION",
            "ZINTERCARD", "ZRANDMEMBER",
            "BITCOUNT", "BITPOS", "GETBIT", "BITFIELD_RO", "PFCOUNT", "GEODIST", "GEOHASH", "GEOPOS", "GEORADIUS_RO",
            "GEORADIUSBYMEMBER_RO", "GEOSEARCH",
            "XLEN", "XRANGE", "XREVRANGE", "XREAD", "XINFO", "XPENDING",
            "EVAL_RO", "EVALSHA_RO", "FCALL_RO",
            "PING", "ECHO", "INFO", "TIME", "LASTSAVE", "ROLE", "COMMAND", "PUBSUB", "LOLWUT",
            "JSON.GET", "JSON.MGET", "JSON.TYPE", "JSON.STRLEN", "JSON.OBJKEYS", "JSON.OBJLEN", "JSON.ARRLEN",
            "JSON.ARRINDEX");

    static final Set<String> EXPECTED_IDEMPOTENT = Set.of(
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

    private static CommandArgs<String, String> args(String... tokens) {
        CommandArgs<String, String> args = new CommandArgs<>(StringCodec.UTF8);
        for (String token : tokens) {
            args.add(token);
        }
        return args;
    }

    /** A command by name, as Lettuce's dispatch(...) sends module commands such as JSON.SET. */
    static ProtocolKeyword keyword(String name) {
        return new ProtocolKeyword() {
            @Override
            public byte[] getBytes() {
                return name.getBytes(StandardCharsets.US_ASCII);
            }

            @Override
            public String toString() {
                return name;
            }
        };
    }

    private static Safety classify(String name, String... tokens) {
        return CommandSafety.classify(keyword(name), args(tokens));
    }

    static Set<String> readOnly() {
        return EXPECTED_READ_ONLY;
    }

    static Set<String> idempotent() {
        return EXPECTED_IDEMPOTENT;
    }

    @Test
    void theTableHoldsExactlyTheseCommands() {
        assertThat(CommandSafety.readOnlyCommands()).containsExactlyInAnyOrderElementsOf(EXPECTED_READ_ONLY);
        assertThat(CommandSafety.idempotentCommands()).containsExactlyInAnyOrderElementsOf(EXPECTED_IDEMPOTENT);
    }

    @ParameterizedTest
    @MethodSource("readOnly")
    void everyReadOnlyEntryIsReadOnlyInAnyCase(String name) {
        assertThat(classify(name, "k", "v")).isEqualTo(Safety.READ_ONLY);
        assertThat(classify(name.toLowerCase(java.util.Locale.ROOT), "k")).isEqualTo(Safety.READ_ONLY);
        assertThat(Safety.READ_ONLY.isRetryable()).isTrue();
    }

    @ParameterizedTest
    @MethodSource("idempotent")
    void everyIdempotentEntryIsIdempotentInAnyCase(String name) {
        assertThat(classify(name, "k", "v")).isEqualTo(Safety.IDEMPOTENT);
        assertThat(classify(name.toLowerCase(java.util.Locale.ROOT), "k", "v")).isEqualTo(Safety.IDEMPOTENT);
        assertThat(Safety.IDEMPOTENT.isRetryable()).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"INCR", "INCRBY", "INCRBYFLOAT", "DECR", "DECRBY", "LPUSH", "RPUSH", "LPUSHX", "RPOP", "LPOP",
            "LMOVE", "RPOPLPUSH", "BLPOP", "LINSERT", "LREM", "LTRIM", "PUBLISH", "SPUBLISH", "EVAL", "EVALSHA", "FCALL",
            "APPEND", "EXPIRE", "PEXPIRE", "GETSET", "GETDEL", "GETEX", "SETNX", "MSETNX", "ZINCRBY", "HINCRBY",
            "HINCRBYFLOAT", "HSETNX", "HGETDEL", "HGETEX", "HSETEX", "HEXPIRE", "SPOP", "SMOVE", "ZPOPMIN", "ZPOPMAX",
            "SUNIONSTORE", "SINTERSTORE", "SDIFFSTORE", "ZUNIONSTORE", "ZRANGESTORE", "SORT", "GEORADIUS",
            "GEOSEARCHSTORE", "BITOP", "BITFIELD", "PFMERGE", "RENAME", "RENAMENX", "MOVE", "RESTORE", "XTRIM",
            "XCLAIM", "XAUTOCLAIM", "XREADGROUP", "XGROUP", "XSETID", "MULTI", "EXEC", "SCRIPT", "FUNCTION", "CONFIG",
            "CLIENT", "MEMORY", "SELECT", "SWAPDB", "JSON.NUMINCRBY", "JSON.ARRAPPEND", "JSON.STRAPPEND", "JSON.TOGGLE",
            "FOO.BAR"})
    void otherCommandsAreUnsafe(String name) {
        assertThat(classify(name, "k", "v")).isEqualTo(Safety.UNSAFE);
        assertThat(Safety.UNSAFE.isRetryable()).isFalse();
    }

    @Test
    void lettuceCommandTypesClassifyLikeTheirNames() {
        assertThat(CommandSafety.classify(CommandType.GET, args("k"))).isEqualTo(Safety.READ_ONLY);
        assertThat(CommandSafety.classify(CommandType.DEL, args("k"))).isEqualTo(Safety.IDEMPOTENT);
        assertThat(CommandSafety.classify(CommandType.INCR, args("k"))).isEqualTo(Safety.UNSAFE);
        assertThat(CommandSafety.classify(CommandType.GET, null)).isEqualTo(Safety.READ_ONLY);
    }

    // SET: idempotent with expiry options only.

    @Test
    void plainSetAndSetWithExpiryAreIdempotent() {
        assertThat(CommandSafety.classify(CommandType.SET, setArgs(null))).isEqualTo(Safety.IDEMPOTENT);
        assertThat(CommandSafety.classify(CommandType.SET, setArgs(SetArgs.Builder.ex(10)))).isEqualTo(Safety.IDEMPOTENT);
        assertThat(CommandSafety.classify(CommandType.SET, setArgs(SetArgs.Builder.px(10)))).isEqualTo(Safety.IDEMPOTENT);
        assertThat(CommandSafety.classify(CommandType.SET, setArgs(SetArgs.Builder.exAt(1_900_000_000L)))).isEqualTo(Safety.IDEMPOTENT);
        assertThat(CommandSafety.classify(CommandType.SET, setArgs(SetArgs.Builder.pxAt(1_900_000_000_000L)))).isEqualTo(Safety.IDEMPOTENT);
        assertThat(CommandSafety.classify(CommandType.SET, setArgs(SetArgs.Builder.keepttl()))).isEqualTo(Safety.IDEMPOTENT);
        assertThat(classify("SET", "k", "v", "ex", "10")).isEqualTo(Safety.IDEMPOTENT);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {"k v NX", "k v XX", "k v GET", "k v EX 10 NX", "k v XX PX 5", "k v KEEPTTL GET",
            "k v IFEQ old", "k v IFNE old", "k v IFDEQ abc", "k v IFDNE abc", "k v nx", "k v SOMETHINGNEW"})
    void setWhoseReplyIsThePointOrWhoseOptionIsUnknownIsUnsafe(String tokens) {
        assertThat(classify("SET", tokens.split(" "))).isEqualTo(Safety.UNSAFE);
    }

    @Test
    void setBuiltByLettuceWithNxXxOrGetIsUnsafe() {
        assertThat(CommandSafety.classify(CommandType.SET, setArgs(SetArgs.Builder.nx()))).isEqualTo(Safety.UNSAFE);
        assertThat(CommandSafety.classify(CommandType.SET, setArgs(SetArgs.Builder.xx()))).isEqualTo(Safety.UNSAFE);
        assertThat(CommandSafety.classify(CommandType.SET, setArgs(SetArgs.Builder.ex(5).nx()))).isEqualTo(Safety.UNSAFE);
    }

    @Test
    void aValueThatLooksLikeAnOptionDoesNotConfuseSet() {
        assertThat(CommandSafety.classify(CommandType.SET, args("k", "NX"))).isEqualTo(Safety.IDEMPOTENT);
        assertThat(CommandSafety.classify(CommandType.SET, args("GET", "XX"))).isEqualTo(Safety.IDEMPOTENT);
    }

    // ZADD: idempotent unless INCR.

    @Test
    void zaddWithoutIncrIsIdempotentWhateverItsOtherOptions() {
        for (ZAddArgs zAddArgs : new ZAddArgs[] {ZAddArgs.Builder.ch(), ZAddArgs.Builder.nx(), ZAddArgs.Builder.xx(),
                ZAddArgs.Builder.gt(), ZAddArgs.Builder.lt(), ZAddArgs.Builder.xx().gt().ch()}) {
            CommandArgs<String, String> zadd = new CommandArgs<>(StringCodec.UTF8).addKey("z");
            zAddArgs.build(zadd);
            zadd.add(1.0).addValue("m").add(2.0).addValue("n");
            assertThat(CommandSafety.classify(CommandType.ZADD, zadd)).isEqualTo(Safety.IDEMPOTENT);
        }
        assertThat(classify("ZADD", "z", "1", "m")).isEqualTo(Safety.IDEMPOTENT);
    }

    @Test
    void zaddWithIncrIsUnsafeAndSoIsAMemberNamedIncr() {
        assertThat(classify("ZADD", "z", "INCR", "1", "m")).isEqualTo(Safety.UNSAFE);
        assertThat(classify("ZADD", "z", "XX", "incr", "1", "m")).isEqualTo(Safety.UNSAFE);
        // Conservative: a member named "incr" is not told apart from the option.
        assertThat(classify("ZADD", "z", "1", "incr")).isEqualTo(Safety.UNSAFE);
        // The key may be called INCR: only tokens after it count.
        assertThat(classify("ZADD", "INCR", "1", "m")).isEqualTo(Safety.IDEMPOTENT);
    }

    // JSON.SET: idempotent unless NX or XX.

    @Test
    void jsonSetIsIdempotentUnlessNxOrXx() {
        assertThat(classify("JSON.SET", "k", "$", "{\"a\":1}")).isEqualTo(Safety.IDEMPOTENT);
        assertThat(classify("JSON.SET", "k", "$", "\"NX\"")).isEqualTo(Safety.IDEMPOTENT);
        assertThat(classify("JSON.SET", "k", "$", "NX")).isEqualTo(Safety.IDEMPOTENT); // the value, not the option
        assertThat(classify("JSON.SET", "k", "$", "1", "NX")).isEqualTo(Safety.UNSAFE);
        assertThat(classify("JSON.SET", "k", "$", "1", "xx")).isEqualTo(Safety.UNSAFE);
        assertThat(classify("json.set", "k", "$", "1", "XX")).isEqualTo(Safety.UNSAFE);
    }

    // XADD: idempotent only with IDMP/IDMPAUTO before an auto-generated ID.

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "s IDMP p i * f v",
            "s IDMPAUTO p * f v",
            "s idmp p i * f v f2 v2",
            "s NOMKSTREAM KEEPREF IDMP p i MAXLEN ~ 1000 LIMIT 10 * f v",
            "s MAXLEN = 5 IDMPAUTO p * f v",
            "s MINID 0-1 ACKED IDMP p i * f v",
            "s DELREF IDMPAUTO p NOMKSTREAM * idmp idmpauto",
            "s IDMP * * * f v"})
    void xaddWithIdempotentProductionIsIdempotent(String tokens) {
        assertThat(classify("XADD", tokens.split(" "))).isEqualTo(Safety.IDEMPOTENT);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "s * f v",
            "s * kind idmp",               // a value named idmp: data, not the option (issue 11)
            "s * IDMP p",                  // a field named IDMP
            "s * f IDMPAUTO",
            "s MAXLEN 10 * IDMP p i x",
            "s NOMKSTREAM * idmp v",
            "s 5-1 f v",                   // explicit ID: a retry fails with an error the caller would see
            "s IDMP p i 5-1 f v",
            "s IDMPAUTO p 1700000000000-* f v",
            "s IDMP p i * f",              // a field without a value: does not parse
            "s IDMP p i *",                // no field at all
            "s IDMP p i",                  // truncated
            "s IDMP p",
            "s IDMPAUTO",
            "s IDMP p i IDMPAUTO q * f v", // conflicting options
            "s IDMPAUTO p IDMPAUTO p * f v",
            "s KEEPREF DELREF IDMPAUTO p * f v",
            "s MAXLEN ~ 5 MINID 1 IDMPAUTO p * f v",
            "s"})
    void xaddWithoutIdempotentProductionOrThatDoesNotParseIsUnsafe(String tokens) {
        assertThat(classify("XADD", tokens.split(" "))).isEqualTo(Safety.UNSAFE);
    }

    @Test
    void xaddBuiltByLettuceIsUnsafe() {
        CommandArgs<String, String> xadd = new CommandArgs<>(StringCodec.UTF8).addKey("s");
        XAddArgs.Builder.maxlen(100).approximateTrimming().build(xadd);
        xadd.add("*").addKey("idmp").addValue("IDMP");
        assertThat(CommandSafety.classify(CommandType.XADD, xadd)).isEqualTo(Safety.UNSAFE);
        assertThat(CommandSafety.classify(CommandType.XADD, null)).isEqualTo(Safety.UNSAFE);
    }

    @Test
    void theListsAreDisjoint() {
        Set<String> both = Arrays.stream(EXPECTED_READ_ONLY.toArray(String[]::new))
                .filter(EXPECTED_IDEMPOTENT::contains).collect(Collectors.toSet());
        assertThat(both).isEmpty();
    }

    private static CommandArgs<String, String> setArgs(SetArgs setArgs) {
        CommandArgs<String, String> args = new CommandArgs<>(StringCodec.UTF8).addKey("k").addValue("v");
        if (setArgs != null) {
            setArgs.build(args);
        }
        return args;
    }
}
