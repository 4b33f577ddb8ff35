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
 * The channel writer behind the client's Lettuce facade: every command written to it goes to the
 * {@link CommandRouter} instead of a socket. Commands that change the state of one connection
 * (SELECT, MULTI, WATCH, blocking pops …) would be lost or misrouted on a shared connection that
 * moves between databases, so they are refused with a pointer to the API that does them right.
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

    public RoutingChannelWriter(CommandRouter<?, ?> router, ClientResources resources, Runnable ensureOpen) {
        this.router = router;
        this.resources = resources;
        this.ensureOpen = ensureOpen;
    }

    @Override
    @SuppressWarnings({ "unchecked", "rawtypes" })
    public <K, V, T> RedisCommand<K, V, T> write(RedisCommand<K, V, T> command) {
        ensureOpen.run();
        if (command.getType() instanceof CommandType type && isRefused(type)) {
            command.completeExceptionally(refusal(type.name()));
            return command;
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
            case "MULTI", "EXEC", "DISCARD", "WATCH", "UNWATCH" -> "use MultiDbClient.transaction(...), which pins them to one connection";
            case "SUBSCRIBE", "PSUBSCRIBE", "SSUBSCRIBE", "UNSUBSCRIBE", "PUNSUBSCRIBE", "SUNSUBSCRIBE" ->
                "use MultiDbClient.pubsub(), which follows the active database";
            case "SELECT", "AUTH", "HELLO" -> "set the database index and credentials in DatabaseConfig";
            default -> "it changes the state of one connection, and this connection moves between databases";
        };
        return new RedisException(name.toUpperCase(Locale.ROOT) + " is not supported on the shared multi-database connection: " + advice);
    }

    @Override
    public void close() {
        // The client owns the lifecycle; closing the facade does not close the databases.
    }

    @Override
    public CompletableFuture<Void> closeAsync() {
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public void setConnectionFacade(ConnectionFacade connection) {
        // Nothing to notify: the facade is never activated or deactivated by a channel.
    }

    @Override
    public void setAutoFlushCommands(boolean autoFlush) {
        if (!autoFlush) {
            throw new UnsupportedOperationException(
                    "manual flushing is not supported on the shared multi-database connection: use MultiDbClient.pipeline(...)");
        }
    }

    @Override
    public void flushCommands() {
        // Every command is flushed as it is routed.
    }

    @Override
    public ClientResources getClientResources() {
        return resources;
    }
}
