package dev.multidb.command;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import io.lettuce.core.RedisChannelWriter;
import io.lettuce.core.RedisException;
import io.lettuce.core.protocol.CommandType;
import io.lettuce.core.protocol.ConnectionFacade;
import io.lettuce.core.protocol.RedisCommand;
import io.lettuce.core.resource.ClientResources;

/**
 * Collects the commands of a pipeline instead of sending them: the pipeline sends the whole batch
 * later, to one database, in one write.
 */
final class RecordingChannelWriter implements RedisChannelWriter {

    private final ClientResources resources;
    private final List<RedisCommand<?, ?, ?>> recorded = new ArrayList<>();
    private boolean sealed;

    RecordingChannelWriter(ClientResources resources) {
        this.resources = resources;
    }

    @Override
    public synchronized <K, V, T> RedisCommand<K, V, T> write(RedisCommand<K, V, T> command) {
        if (sealed) {
            throw new IllegalStateException("this pipeline was already executed or closed");
        }
        if (BlockingCommands.isBlocking(command)
                || command.getType() instanceof CommandType type && RoutingChannelWriter.isRefused(type)) {
            command.completeExceptionally(new RedisException(command.getType() + " cannot be part of a pipeline:"
                    + " it changes the state of the connection or blocks it"));
            return command;
        }
        recorded.add(command);
        return command;
    }

    @Override
    public <K, V> Collection<RedisCommand<K, V, ?>> write(Collection<? extends RedisCommand<K, V, ?>> commands) {
        List<RedisCommand<K, V, ?>> written = new ArrayList<>();
        for (RedisCommand<K, V, ?> command : commands) {
            written.add(write(command));
        }
        return written;
    }

    /** The commands so far, in order; no command may be added afterwards. */
    synchronized List<RedisCommand<?, ?, ?>> seal() {
        sealed = true;
        return List.copyOf(recorded);
    }

    @Override
    public void close() {
    }

    @Override
    public CompletableFuture<Void> closeAsync() {
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public void setConnectionFacade(ConnectionFacade connection) {
    }

    @Override
    public void setAutoFlushCommands(boolean autoFlush) {
    }

    @Override
    public void flushCommands() {
    }

    @Override
    public ClientResources getClientResources() {
        return resources;
    }
}
