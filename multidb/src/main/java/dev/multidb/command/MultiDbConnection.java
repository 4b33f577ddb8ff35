package dev.multidb.command;

import java.time.Duration;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.StatefulRedisConnectionImpl;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.protocol.PushHandler;
import io.lettuce.core.RedisChannelWriter;
import io.lettuce.core.api.push.PushListener;
import io.lettuce.core.protocol.RedisCommand;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Lettuce's own {@link io.lettuce.core.api.StatefulRedisConnection} implementation over the
 * multi-database command path: the application gets Lettuce's complete sync, async and reactive
 * command APIs, and every command follows the active database. Two kinds exist:
 * <ul>
 * <li>the client's shared, stateless connection ({@code client.sync()}), wired to the
 * {@link RoutingChannelWriter}; closing it does nothing, the client owns it;</li>
 * <li>the application's own connections ({@code client.connect()}), wired to a
 * {@link SessionWriter}, with Lettuce's connection semantics (transactions, SELECT, CLIENT
 * SETNAME, manual flushing); closing one closes it alone.</li>
 * </ul>
 * Frameworks that take a {@code StatefulRedisConnection} (Spring Data Redis) can take either.
 */
public final class MultiDbConnection<K, V> extends StatefulRedisConnectionImpl<K, V> {

    /** Whether closing it closes it: an application connection, not the client's shared one. */
    private final boolean owned;

    /**
     * The client's shared connection.
     *
     * @param callerTimeout how long a synchronous call may wait in all, across its retries
     */
    public MultiDbConnection(RedisChannelWriter writer, RedisCodec<K, V> codec, Duration callerTimeout) {
        this(writer, NO_PUSH, codec, callerTimeout, false);
    }

    /** An application connection ({@link Sessions#open()}). */
    MultiDbConnection(SessionWriter<K, V> writer, PushHandler push, RedisCodec<K, V> codec, Duration callerTimeout) {
        this(writer, push, codec, callerTimeout, true);
    }

    private MultiDbConnection(RedisChannelWriter writer, PushHandler push, RedisCodec<K, V> codec, Duration callerTimeout,
            boolean owned) {
        super(writer, push, codec, callerTimeout);
        this.owned = owned;
        // Each attempt has its own timeout on its database; the facade only bounds the caller's wait,
        // which for a blocking command must include its own blocking time.
        setOptions(ClientOptions.builder().timeoutOptions(TimeoutOptions.builder().timeoutCommands(true)
                .timeoutSource(new CallerTimeout(callerTimeout)).build()).build());
    }

    /** How long a synchronous caller waits: the usual bound, plus the blocking time of a blocking command. */
    static final class CallerTimeout extends TimeoutOptions.TimeoutSource {
        private final long callerTimeoutNanos;

        CallerTimeout(Duration callerTimeout) {
            this.callerTimeoutNanos = callerTimeout.toNanos();
        }

        @Override
        public long getTimeout(RedisCommand<?, ?, ?> command) {
            if (!BlockingCommands.isBlocking(command)) {
                return callerTimeoutNanos;
            }
            Duration block = BlockingCommands.blockTime(command);
            return block.isZero() ? Long.MAX_VALUE : block.toNanos() + callerTimeoutNanos;
        }

        @Override
        public TimeUnit getTimeUnit() {
            return TimeUnit.NANOSECONDS;
        }
    }

    private static final PushHandler NO_PUSH = new PushHandler() {
        @Override
        public void addListener(PushListener listener) {
        }

        @Override
        public void removeListener(PushListener listener) {
        }

        @Override
        public Collection<PushListener> getPushListeners() {
            return List.of();
        }
    };

    @Override
    public void close() {
        if (owned) {
            super.close();
        }
        // The shared connection is a view of the client: closing it leaves the client running.
    }

    @Override
    public CompletableFuture<Void> closeAsync() {
        return owned ? super.closeAsync() : CompletableFuture.completedFuture(null);
    }
}
