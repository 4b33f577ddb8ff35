package dev.multidb.pubsub;

import java.lang.System.Logger.Level;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Consumer;

import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisConnectionStateListener;
import io.lettuce.core.pubsub.RedisPubSubListener;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;

import dev.multidb.database.DatabaseRuntime;

/** One Pub/Sub connection of a session to one database. */
final class Link<K, V> implements RedisConnectionStateListener {

    private static final System.Logger LOG = System.getLogger(Link.class.getName());

    final DatabaseRuntime<K, V> db;
    private final StatefulRedisPubSubConnection<K, V> connection;
    private final Consumer<Link<K, V>> onLost;
    /** Completes when the changes made while this link was being prepared are confirmed on it. */
    private volatile CompletableFuture<Void> ready = CompletableFuture.completedFuture(null);
    private volatile boolean lost;
    private volatile boolean retired;

    Link(DatabaseRuntime<K, V> db, StatefulRedisPubSubConnection<K, V> connection, Consumer<Link<K, V>> onLost) {
        this.db = db;
        this.connection = connection;
        this.onLost = onLost;
    }

    /** Starts forwarding what the connection receives to {@code stream}, and reporting its loss. */
    void listen(RedisPubSubListener<K, V> stream) {
        connection.addListener(stream);
        connection.addListener((RedisConnectionStateListener) this);
    }

    /** Sends one (UN)SUBSCRIBE; never throws, the future carries any failure. */
    CompletableFuture<Void> send(Kind kind, boolean subscribe, List<K> keys) {
        return subscribe ? kind.subscribe(connection.async(), keys) : kind.unsubscribe(connection.async(), keys);
    }

    /**
     * Subscribes what the session already had: a refusal (e.g. SSUBSCRIBE on Redis 6) would
     * recur on every retry, so it is logged and the rest of the link is used anyway.
     */
    CompletableFuture<Void> resubscribe(Kind kind, List<K> keys) {
        return kind.subscribe(connection.async(), keys).exceptionally(e -> {
            Throwable cause = Causes.unwrap(e);
            if (cause instanceof RedisCommandExecutionException) {
                LOG.log(Level.ERROR, "database '" + db.name() + "' refused " + kind.command() + " " + keys + ": "
                        + cause.getMessage());
                return null;
            }
            throw new CompletionException(cause);
        });
    }

    CompletableFuture<Void> ready() {
        return ready;
    }

    void ready(CompletableFuture<Void> ready) {
        this.ready = ready;
    }

    boolean lost() {
        return lost;
    }

    boolean retired() {
        return retired;
    }

    boolean alive() {
        return !lost && !retired && connection.isOpen();
    }

    /** Closes the connection, which drops its subscriptions on the server. */
    CompletableFuture<Void> retire() {
        retired = true;
        try {
            return connection.closeAsync();
        } catch (RuntimeException e) {
            return CompletableFuture.completedFuture(null);
        }
    }

    @Override
    public void onRedisDisconnected(RedisChannelHandler<?, ?> ignored) {
        lost = true;
        onLost.accept(this);
    }
}
