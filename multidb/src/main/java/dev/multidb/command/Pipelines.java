package dev.multidb.command;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.protocol.RedisCommand;
import io.lettuce.core.resource.ClientResources;

/** Creates pipeline recorders and runs recorded batches: the glue between {@code dev.multidb.Pipeline} and the router. */
public final class Pipelines<K, V> {

    private final CommandRouter<K, V> router;
    private final ClientResources resources;
    private final RedisCodec<K, V> codec;
    private final Duration callerTimeout;

    private final Runnable ensureOpen;

    public Pipelines(CommandRouter<K, V> router, ClientResources resources, RedisCodec<K, V> codec, Duration callerTimeout,
            Runnable ensureOpen) {
        this.ensureOpen = ensureOpen;
        this.router = router;
        this.resources = resources;
        this.codec = codec;
        this.callerTimeout = callerTimeout;
    }

    /** A recorder: commands issued through {@link Recorder#commands()} are kept until {@link Recorder#execute()}. */
    public Recorder recorder() {
        return new Recorder();
    }

    /** One pipeline's commands, recorded through Lettuce's async API. */
    public final class Recorder {
        private final RecordingChannelWriter writer = new RecordingChannelWriter(resources);
        private final MultiDbConnection<K, V> connection = new MultiDbConnection<>(writer, codec, callerTimeout);

        public RedisAsyncCommands<K, V> commands() {
            return connection.async();
        }

        /** Sends every recorded command; the future completes with the replies in order. */
        @SuppressWarnings({ "unchecked", "rawtypes" })
        public CompletableFuture<List<Object>> execute() {
            ensureOpen.run();
            List<RedisCommand<K, V, ?>> commands = (List) writer.seal();
            return new PipelineExecution<>(router, commands).start();
        }

        /** Drops the recorded commands without sending them: their futures are cancelled. */
        public void discard() {
            for (RedisCommand<?, ?, ?> command : writer.seal()) {
                command.cancel();
            }
        }
    }
}
