package dev.multidb.command;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;

import io.lettuce.core.RedisException;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.output.IntegerOutput;
import io.lettuce.core.output.StatusOutput;
import io.lettuce.core.protocol.Command;
import io.lettuce.core.protocol.CommandArgs;
import io.lettuce.core.protocol.CommandType;
import io.lettuce.core.protocol.RedisCommand;

import dev.multidb.DatabaseConfig;
import dev.multidb.circuit.CircuitBreaker;
import dev.multidb.circuit.CircuitState;
import dev.multidb.database.DatabaseRuntime;

/** One attempt's bookkeeping: its outcome as callbacks see it, and which replies leave it resendable. */
class RoutedCommandTest {

    private static final DatabaseRuntime<String, String> DATABASE = new DatabaseRuntime<>(
            DatabaseConfig.builder().fromUrl("redis://127.0.0.1:1").name("db").build(), null, StringCodec.UTF8,
            Duration.ofSeconds(1), Duration.ofSeconds(1), new CircuitBreaker(Duration.ofSeconds(1), System::nanoTime, CircuitState.CLOSED), db -> { });

    /** Remembers the failures it is told about. */
    private static final class Owner implements AttemptOwner<String, String> {
        final AtomicInteger failures = new AtomicInteger();

        @Override
        public <T> void attemptFailed(RoutedCommand<String, String, T> attempt, Throwable error) {
            failures.incrementAndGet();
        }
    }

    private static RoutedCommand<String, String, Long> incr(Owner owner) {
        Command<String, String, Long> command = new Command<>(CommandType.INCR, new IntegerOutput<>(StringCodec.UTF8),
                new CommandArgs<>(StringCodec.UTF8).addKey("k"));
        return new RoutedCommand<>(command, DATABASE, 0, owner, true);
    }

    /**
     * A callback registered while the attempt fails must see the failure: it once saw
     * (null, null) in a short window, and a failed dedicated connection went back to the pool.
     */
    @Test
    void aCallbackRegisteredWhileTheAttemptFailsSeesTheFailure() throws Exception {
        RedisException failure = new RedisException("Connection closed");
        CyclicBarrier start = new CyclicBarrier(2);
        AtomicReference<Throwable> seen = new AtomicReference<>();
        for (int i = 0; i < 20_000; i++) {
            RoutedCommand<String, String, Long> attempt = incr(new Owner());
            seen.set(null);
            AtomicInteger calls = new AtomicInteger();
            Thread failer = new Thread(() -> {
                await(start);
                attempt.completeExceptionally(failure);
            });
            failer.start();
            await(start);
            attempt.onComplete((value, error) -> {
                calls.incrementAndGet();
                seen.set(error);
            });
            failer.join();
            assertThat(calls).as("run %d", i).hasValue(1);
            assertThat(seen.get()).as("run %d", i).isSameAs(failure);
        }
    }

    private static void await(CyclicBarrier barrier) {
        try {
            barrier.await();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void aRefusalLeavesTheOutputCleanForTheNextAttempt() {
        Owner owner = new Owner();
        RoutedCommand<String, String, Long> attempt = incr(owner);
        // As Lettuce's decoder does for an error reply: setError, then complete(depth), then complete().
        attempt.getOutput().setError(bytes("MASTERDOWN Link with MASTER is down"));
        attempt.getOutput().complete(0);
        attempt.complete();

        assertThat(owner.failures).hasValue(1);
        assertThat(attempt.mayHaveReachedServer()).isFalse();
        assertThat(attempt.resendable()).isTrue();
        assertThat(attempt.command.getOutput().hasError()).isFalse();
    }

    @Test
    void aRefusalLikeReplyToAScriptIsTheScriptsAnswer() {
        Owner owner = new Owner();
        Command<String, String, String> eval = new Command<>(CommandType.EVAL, new StatusOutput<>(StringCodec.UTF8),
                new CommandArgs<>(StringCodec.UTF8).add("return redis.error_reply('LOADING x')").add(0));
        RoutedCommand<String, String, String> attempt = new RoutedCommand<>(eval, DATABASE, 0, owner, false);
        attempt.getOutput().setError(bytes("LOADING x"));
        attempt.getOutput().complete(0);
        attempt.complete();

        assertThat(owner.failures).hasValue(0);
        assertThat(eval.getOutput().getError()).isEqualTo("LOADING x");
    }

    @Test
    void onlyAWholeReplyCountsAsARefusal() {
        assertThat(Refusals.isRefusal(CommandType.GET, "LOADING Redis is loading the dataset in memory")).isTrue();
        assertThat(Refusals.isRefusal(CommandType.SET, "TRYAGAIN Multiple keys request during rehashing of slot")).isTrue();
        assertThat(Refusals.isRefusal(CommandType.SET, "CLUSTERDOWN The cluster is down")).isTrue();
        assertThat(Refusals.isRefusal(CommandType.SET, "MASTERDOWN")).isTrue();
        assertThat(Refusals.isRefusal(CommandType.SET, "LOADINGX not a code")).isFalse();
        assertThat(Refusals.isRefusal(CommandType.SET, "ERR LOADING")).isFalse();
        assertThat(Refusals.isRefusal(CommandType.FCALL, "LOADING x")).isFalse();
        assertThat(Refusals.isRefusal(CommandType.EVALSHA, "TRYAGAIN x")).isFalse();
        assertThat(Refusals.isRefusal(() -> "JSON.SET".getBytes(StandardCharsets.US_ASCII), "LOADING x")).isFalse();
    }

    @Test
    void anErrorInsideAnArrayIsNotARefusal() {
        Owner owner = new Owner();
        Command<String, String, Long> exec = new Command<>(CommandType.EXEC, new IntegerOutput<>(StringCodec.UTF8));
        RedisCommand<String, String, Long> attempt = new RoutedCommand<>(exec, DATABASE, 0, owner, false);
        attempt.getOutput().multi(1);
        attempt.getOutput().setError(bytes("LOADING inside"));
        attempt.getOutput().complete(0);
        attempt.complete();

        assertThat(owner.failures).hasValue(0);
    }

    private static ByteBuffer bytes(String s) {
        return ByteBuffer.wrap(s.getBytes(StandardCharsets.UTF_8));
    }

    private static DatabaseRuntime<String, String> freshDatabase() {
        return new DatabaseRuntime<>(DatabaseConfig.builder().fromUrl("redis://127.0.0.1:1").name("db").build(), null,
                StringCodec.UTF8, Duration.ofSeconds(1), Duration.ofSeconds(1),
                new CircuitBreaker(Duration.ofSeconds(1), System::nanoTime, CircuitState.CLOSED), db -> { });
    }

    private static RoutedCommand<String, String, Long> sentIncr(DatabaseRuntime<String, String> database) {
        Command<String, String, Long> command = new Command<>(CommandType.INCR, new IntegerOutput<>(StringCodec.UTF8),
                new CommandArgs<>(StringCodec.UTF8).addKey("k"));
        RoutedCommand<String, String, Long> attempt = new RoutedCommand<>(command, database, 0, new Owner(), true);
        io.netty.buffer.ByteBuf buf = io.netty.buffer.Unpooled.buffer();
        attempt.encode(buf); // its bytes were handed to the socket
        buf.release();
        return attempt;
    }

    /** Netty fails a write to a closed channel with ClosedChannelException: the command never left, so it may go again. */
    @Test
    void aWriteFailedOnAClosedChannelNeverReachedTheServer() {
        RoutedCommand<String, String, Long> attempt = sentIncr(freshDatabase());
        attempt.completeExceptionally(new java.nio.channels.ClosedChannelException());
        assertThat(attempt.mayHaveReachedServer()).isFalse();

        RoutedCommand<String, String, Long> answeredNever = sentIncr(freshDatabase());
        answeredNever.completeExceptionally(new RedisException("Connection disconnected"));
        assertThat(answeredNever.mayHaveReachedServer()).isTrue();
    }

    /**
     * Found with 2,000 virtual threads through a SIGKILL: commands the server's close failed while
     * the client was leaving the database looked cut by the client, and idempotent writes were
     * reported unknown instead of re-sent. Lettuce says "Connection disconnected" when the channel
     * went away under an open connection, "Connection closed" when the client had closed it.
     */
    @Test
    void aConnectionTheServerClosedFirstWasNotCutByTheClient() {
        DatabaseRuntime<String, String> database = freshDatabase();
        RoutedCommand<String, String, Long> closedByServer = sentIncr(database);
        RoutedCommand<String, String, Long> cutByClient = sentIncr(database);
        database.setServerBusy(true);
        database.leave(); // the client leaves the (busy, so still running) database meanwhile

        RedisException disconnected = new RedisException("Connection disconnected");
        closedByServer.completeExceptionally(disconnected);
        RedisException closed = new RedisException("Connection closed");
        cutByClient.completeExceptionally(closed);

        assertThat(closedByServer.mayLandLate(disconnected)).isFalse();
        assertThat(cutByClient.mayLandLate(closed)).isTrue();
    }
}
