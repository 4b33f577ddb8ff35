package dev.multidb.database;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;

import dev.multidb.Database;
import dev.multidb.health.HealthCheckTarget;

/** A member database reached at one endpoint, through a Lettuce {@link RedisClient}. */
public final class StandaloneMember<K, V> implements Member<K, V> {

    private final RedisClient client;
    private final RedisURI uri;
    private final RedisCodec<K, V> codec;

    /**
     * @param uri the endpoint; its timeout bounds Lettuce's connection handshake (HELLO, AUTH,
     *            SELECT), 60 s by default, so it should be short (see {@link MemberClients#withHandshakeTimeout})
     */
    public StandaloneMember(RedisClient client, RedisURI uri, RedisCodec<K, V> codec) {
        this.client = client;
        this.uri = uri;
        this.codec = codec;
    }

    @Override
    public CompletableFuture<StatefulConnection<K, V>> connectCommands() {
        return client.connectAsync(codec, uri).toCompletableFuture().thenApply(c -> c);
    }

    @Override
    @SuppressWarnings("unchecked")
    public CompletableFuture<String> ping(StatefulConnection<K, V> connection) {
        return ((StatefulRedisConnection<K, V>) connection).async().ping().toCompletableFuture();
    }

    @Override
    public CompletableFuture<StatefulConnection<String, String>> connectHealth() {
        return client.connectAsync(StringCodec.UTF8, uri).toCompletableFuture().thenApply(c -> c);
    }

    @Override
    @SuppressWarnings("unchecked")
    public HealthCheckTarget healthTarget(Database database, StatefulConnection<String, String> connection) {
        return HealthTargets.standalone(database, ((StatefulRedisConnection<String, String>) connection).async());
    }

    @Override
    public CompletableFuture<StatefulRedisPubSubConnection<K, V>> connectPubSub() {
        return client.connectPubSubAsync(codec, uri).toCompletableFuture();
    }

    @Override
    public CompletableFuture<StatefulRedisConnection<K, V>> connectDedicated() {
        return client.connectAsync(codec, uri).toCompletableFuture();
    }

    @Override
    public CompletableFuture<Void> shutdown() {
        return client.shutdownAsync(0, 2, TimeUnit.SECONDS);
    }
}
