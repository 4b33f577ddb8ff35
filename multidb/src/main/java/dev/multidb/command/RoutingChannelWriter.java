package dev.multidb.command;

import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

import io.lettuce.core.RedisChannelWriter;
import io.lettuce.core.RedisException;
import io.lettuce.core.protocol.CommandType;
import io.lettuce.core.protocol.ConnectionFacade;
import io.lettuce.core.protocol.RedisCommand;
import io.lettuce.core.resource.ClientResources;

/**
 * The channel writer behind the client's shared Lettuce facade ({@code client.sync()}): every
 * command written to it goes to the {@link CommandRouter} instead of a socket. Commands that change
 * the state of one connection (SELECT, MULTI, WATCH …) would leak into every other caller of a
 * shared connection, so they are refused with a pointer to {@code client.connect()}, whose
 * connections have Lettuce's connection semantics ({@link SessionWriter}).
 */
public final class RoutingChannelWriter implements RedisChannelWriter {

    private static final Set<CommandType> CONNECTION_STATE = EnumSet.of(CommandType.SELECT, CommandType.AUTH,
            CommandType.HELLO, CommandType.QUIT, CommandType.MULTI, CommandType.EXEC, CommandType.DISCARD,
            CommandType.WATCH, CommandType.UNWATCH, CommandType.SUBSCRIBE, CommandType.PSUBSCRIBE, CommandType.SSUBSCRIBE,
            CommandType.UNSUBSCRIBE, CommandType.PUNSUBSCRIBE, CommandType.SUNSUBSCRIBE, CommandType.MONITOR,
            CommandType.READONLY, CommandType.READWRITE, CommandType.CLIENT);

    private final CommandRouter<?, ?> router;
    private final ClientResources resources;
    private final Runnable ensureOpen;
    /** An application's own connection (cluster {@code connect()}): it may flush manually, and closing it closes it. */
    private final boolean owned;
    private volatile boolean autoFlush = true;
    private volatile boolean closed;
    private final List<RedisCommand<?, ?, ?>> unflushed = new ArrayList<>();

    /** The writer of the client's shared connection. */
    public RoutingChannelWriter(CommandRouter<?, ?> router, ClientResources resources, Runnable ensureOpen) {
        this(router, resources, ensureOpen, false);
    }

    /**
     * @param owned whether it serves an application's own connection, which may use manual flushing
     *              and which closing closes
     */
    public RoutingChannelWriter(CommandRouter<?, ?> router, ClientResources resources, Runnable ensureOpen, boolean owned) {
        this.router = router;
        this.resources = resources;
        this.ensureOpen = ensureOpen;
        this.owned = owned;
    }

    @Override
    @SuppressWarnings({ "unchecked", "rawtypes" })
    public <K, V, T> RedisCommand<K, V, T> write(RedisCommand<K, V, T> command) {
        ensureOpen.run();
        if (closed) {
            command.completeExceptionally(new RedisException("Connection is closed"));
            return command;
        }
        if (command.getType() instanceof CommandType type && isRefused(type)) {
            command.completeExceptionally(refusal(type.name()));
            return command;
        }
        if (!autoFlush) {
            synchronized (unflushed) {
                if (!autoFlush) {
                    unflushed.add(command);
                    return command;
                }
            }
        }
        ((CommandRouter) router).route(command);
        return command;
    }

    @Override
    public <K, V> Collection<RedisCommand<K, V, ?>> write(Collection<? extends RedisCommand<K, V, ?>> commands) {
        List<RedisCommand<K, V, ?>> written = new ArrayList<>(commands.size());
        for (RedisCommand<K, V, ?> command : commands) {
            written.add(write(command));
        }
        return written;
    }

    static boolean isRefused(CommandType type) {
        return CONNECTION_STATE.contains(type);
    }

    private static RedisException refusal(String name) {
        String advice = switch (name) {
            case "MULTI", "EXEC", "DISCARD", "WATCH", "UNWATCH" ->
                "use a connection of your own, client.connect(), where transactions work as in Lettuce, or client.transaction(...)";
            case "SUBSCRIBE", "PSUBSCRIBE", "SSUBSCRIBE", "UNSUBSCRIBE", "PUNSUBSCRIBE", "SUNSUBSCRIBE" ->
                "use MultiDbClient.pubsub(), which follows the active database";
            case "MONITOR" -> "MONITOR cannot follow a switch; run it on a plain Lettuce connection to one database";
            default -> "it changes the state of the connection, which every caller of client.sync() shares: use a"
                    + " connection of your own, client.connect(), which remembers it on every database (or set the database"
                    + " index and credentials in DatabaseConfig)";
        };
        return new RedisException(name.toUpperCase(Locale.ROOT) + " is not supported on the shared multi-database connection: " + advice);
    }

    @Override
    public void close() {
        closeAsync();
    }

    /** The client owns the databases: closing an application's connection only stops it taking commands. */
    @Override
    public CompletableFuture<Void> closeAsync() {
        if (owned) {
            closed = true;
            List<RedisCommand<?, ?, ?>> dropped;
            synchronized (unflushed) {
                dropped = new ArrayList<>(unflushed);
                unflushed.clear();
            }
            dropped.forEach(c -> c.completeExceptionally(new RedisException("Connection is closed")));
        }
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public void setConnectionFacade(ConnectionFacade connection) {
        // Nothing to notify: the facade is never activated or deactivated by a channel.
    }

    @Override
    public void setAutoFlushCommands(boolean autoFlush) {
        if (!autoFlush && !owned) {
            throw new UnsupportedOperationException(
                    "manual flushing is not supported on the shared multi-database connection: use a connection of your own,"
                            + " client.connect(), or MultiDbClient.pipeline(...)");
        }
        synchronized (unflushed) {
            this.autoFlush = autoFlush;
        }
        if (autoFlush) {
            flushCommands();
        }
    }

    /** Sends what was written since manual flushing began as one pipeline, under the pipeline API's retry rules. */
    @Override
    @SuppressWarnings({ "unchecked", "rawtypes" })
    public void flushCommands() {
        List batch;
        synchronized (unflushed) {
            if (unflushed.isEmpty()) {
                return;
            }
            batch = new ArrayList<>(unflushed);
            unflushed.clear();
        }
        new PipelineExecution<>((CommandRouter) router, batch).start();
    }

    @Override
    public ClientResources getClientResources() {
        return resources;
    }
}
