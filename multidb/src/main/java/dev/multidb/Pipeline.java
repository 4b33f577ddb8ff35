package dev.multidb;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.api.async.RedisAsyncCommands;

import dev.multidb.command.Pipelines;

/**
 * A batch of commands sent together to the database active when it is executed, in one write (no
 * round trip per command).
 *
 * <pre>{@code
 * try (Pipeline<String, String> pipe = client.pipeline()) {
 *     pipe.commands().set("a", "1");
 *     RedisFuture<Long> n = pipe.commands().incrby("a", 2);
 *     List<Object> replies = pipe.execute();   // ["OK", 3]
 * }
 * }</pre>
 *
 * Replies come back in order; a Redis error reply (WRONGTYPE, …) takes its command's place in the
 * list as an exception. If the connection fails, the failed commands are sent again to the new
 * active database only when every one of them that may have reached the server is safe to repeat
 * (read-only or idempotent, or any under {@code RetryPolicy.ALWAYS}); otherwise {@link #execute()}
 * throws {@link OutcomeUnknownException} naming the commands that may have been applied. Blocking
 * and connection-state commands (BLPOP, MULTI, SELECT, …) cannot be part of a pipeline. Not
 * thread-safe: one thread records a pipeline.
 */
public final class Pipeline<K, V> implements AutoCloseable {

    private final Pipelines<K, V>.Recorder recorder;
    private final Duration timeout;
    private boolean done;

    Pipeline(Pipelines<K, V>.Recorder recorder, Duration timeout) {
        this.recorder = recorder;
        this.timeout = timeout;
    }

    /** {@return Lettuce's async API; each command is recorded, its future completes after {@link #execute()}} */
    public RedisAsyncCommands<K, V> commands() {
        return recorder.commands();
    }

    /**
     * Sends the batch and waits for every reply, at most the client's command timeout.
     *
     * @return every reply in order; a Redis error reply takes its command's place as an exception
     * @throws OutcomeUnknownException if the connection failed and a command that may have reached
     *         the server is not safe to repeat
     * @throws io.lettuce.core.RedisCommandTimeoutException if the replies did not all come within
     *         the command timeout
     * @throws TemporaryUnavailableException or {@link NoValidDatabaseException} if no database is usable
     */
    public List<Object> execute() {
        CompletableFuture<List<Object>> replies = executeAsync();
        try {
            return replies.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw new IllegalStateException(e.getCause());
        } catch (TimeoutException e) {
            throw new RedisCommandTimeoutException("pipeline did not complete within " + timeout);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /**
     * Sends the batch without waiting.
     *
     * @return a future completed with every reply in order, or exceptionally as {@link #execute()} throws
     */
    public CompletableFuture<List<Object>> executeAsync() {
        done = true;
        return recorder.execute();
    }

    /** Discards the batch if it was not executed. */
    @Override
    public void close() {
        if (!done) {
            done = true;
            recorder.discard();
        }
    }
}
