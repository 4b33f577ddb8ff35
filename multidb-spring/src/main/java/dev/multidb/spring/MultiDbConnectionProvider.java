package dev.multidb.spring;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;

import org.springframework.data.redis.connection.lettuce.LettuceConnectionProvider;

import dev.multidb.MultiDbClient;

/**
 * Hands Spring Data Redis the connections it asks for when it needs one of its own (a transaction,
 * a pipeline, a blocking command): each is a new {@link MultiDbClient#connect()} connection, whose
 * commands follow the active database and whose MULTI/EXEC stays on one database. Releasing it
 * closes only that connection.
 *
 * <p>Pub/Sub does not come from here: {@link MultiDbLettuceConnection} subscribes through
 * {@link MultiDbClient#pubsub()}, which follows the active database.
 *
 * @param <K> key type of the client ({@code byte[]} for the imperative API, {@code ByteBuffer} for the reactive one)
 * @param <V> value type of the client
 */
public final class MultiDbConnectionProvider<K, V> implements LettuceConnectionProvider {

    private final MultiDbClient<K, V> client;

    /**
     * A provider over {@code client}.
     *
     * @param client the client whose {@code connect()} connections are handed out; the caller's to close
     */
    public MultiDbConnectionProvider(MultiDbClient<K, V> client) {
        if (client == null) {
            throw new IllegalArgumentException("client must not be null");
        }
        this.client = client;
    }

    @Override
    @SuppressWarnings("unchecked")
    public <T extends StatefulConnection<?, ?>> CompletionStage<T> getConnectionAsync(Class<T> connectionType) {
        if (StatefulRedisPubSubConnection.class.isAssignableFrom(connectionType)) {
            // A Lettuce Pub/Sub connection stays on one server; multidb's Pub/Sub follows the active database.
            return CompletableFuture.failedFuture(new UnsupportedOperationException(
                    "multidb serves Pub/Sub through MultiDbClient.pubsub(), not a " + connectionType.getName()));
        }
        if (!connectionType.isAssignableFrom(StatefulRedisConnection.class)) {
            return CompletableFuture.failedFuture(new UnsupportedOperationException(
                    "multidb serves standalone connections only, not a " + connectionType.getName()));
        }
        try {
            return CompletableFuture.completedFuture((T) client.connect());
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }
}
