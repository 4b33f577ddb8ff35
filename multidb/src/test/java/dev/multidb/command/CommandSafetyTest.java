package dev.multidb.command;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import io.lettuce.core.SetArgs;
import io.lettuce.core.ZAddArgs;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.protocol.CommandArgs;
import io.lettuce.core.protocol.CommandType;

import dev.multidb.command.CommandSafety.Safety;

class CommandSafetyTest {

    private static CommandArgs<String, String> args(String... tokens) {
        CommandArgs<String, String> args = new CommandArgs<>(StringCodec.UTF8);
        for (String token : tokens) {
            args.add(token);
        }
        return args;
    }

    @ParameterizedTest
    @CsvSource({
            "GET, READ_ONLY", "MGET, READ_ONLY", "HGETALL, READ_ONLY", "ZRANGE, READ_ONLY", "PING, READ_ONLY",
            "DEL, IDEMPOTENT", "HSET, IDEMPOTENT", "SADD, IDEMPOTENT", "EXPIREAT, IDEMPOTENT", "MSET, IDEMPOTENT",
            "INCR, UNSAFE", "INCRBY, UNSAFE", "DECR, UNSAFE", "LPUSH, UNSAFE", "RPOP, UNSAFE", "PUBLISH, UNSAFE",
            "EVAL, UNSAFE", "EVALSHA, UNSAFE", "APPEND, UNSAFE", "EXPIRE, UNSAFE", "GETSET, UNSAFE", "ZINCRBY, UNSAFE",
            "HINCRBY, UNSAFE", "SPOP, UNSAFE", "LTRIM, UNSAFE", "SUNIONSTORE, UNSAFE" })
    void byName(CommandType type, Safety expected) {
        assertThat(CommandSafety.classify(type, args("k", "v"))).isEqualTo(expected);
    }

    @Test
    void plainSetAndSetWithExpiryAreIdempotent() {
        assertThat(CommandSafety.classify(CommandType.SET, setArgs(null))).isEqualTo(Safety.IDEMPOTENT);
        assertThat(CommandSafety.classify(CommandType.SET, setArgs(SetArgs.Builder.ex(10)))).isEqualTo(Safety.IDEMPOTENT);
        assertThat(CommandSafety.classify(CommandType.SET, setArgs(SetArgs.Builder.keepttl()))).isEqualTo(Safety.IDEMPOTENT);
    }

    @Test
    void setWhoseReplyIsThePointIsUnsafe() {
        assertThat(CommandSafety.classify(CommandType.SET, setArgs(SetArgs.Builder.nx()))).isEqualTo(Safety.UNSAFE);
        assertThat(CommandSafety.classify(CommandType.SET, setArgs(SetArgs.Builder.xx()))).isEqualTo(Safety.UNSAFE);
        assertThat(CommandSafety.classify(CommandType.SET, args("k", "v", "GET"))).isEqualTo(Safety.UNSAFE);
    }

    @Test
    void aValueThatLooksLikeAnOptionDoesNotConfuseSet() {
        assertThat(CommandSafety.classify(CommandType.SET, args("k", "NX"))).isEqualTo(Safety.IDEMPOTENT);
    }

    @Test
    void zaddWithIncrIsUnsafe() {
        CommandArgs<String, String> plain = new CommandArgs<>(StringCodec.UTF8).addKey("z");
        ZAddArgs.Builder.ch().build(plain);
        plain.add(1.0).addValue("m");
        assertThat(CommandSafety.classify(CommandType.ZADD, plain)).isEqualTo(Safety.IDEMPOTENT);
        assertThat(CommandSafety.classify(CommandType.ZADD, args("z", "INCR", "1", "m"))).isEqualTo(Safety.UNSAFE);
    }

    @Test
    void xaddIsUnsafeUnlessIdempotentProduction() {
        assertThat(CommandSafety.classify(CommandType.XADD, args("s", "*", "f", "v"))).isEqualTo(Safety.UNSAFE);
        assertThat(CommandSafety.classify(CommandType.XADD, args("s", "IDMP", "p", "i", "*", "f", "v"))).isEqualTo(Safety.IDEMPOTENT);
    }

    @Test
    void unknownCommandsAreUnsafe() {
        io.lettuce.core.protocol.ProtocolKeyword custom = new io.lettuce.core.protocol.ProtocolKeyword() {
            @Override
            public byte[] getBytes() {
                return "FOO.BAR".getBytes();
            }

            @Override
            public String toString() {
                return "FOO.BAR";
            }
        };
        assertThat(CommandSafety.classify(custom, args("x"))).isEqualTo(Safety.UNSAFE);
    }

    private static CommandArgs<String, String> setArgs(SetArgs setArgs) {
        CommandArgs<String, String> args = new CommandArgs<>(StringCodec.UTF8).addKey("k").addValue("v");
        if (setArgs != null) {
            setArgs.build(args);
        }
        return args;
    }
}
