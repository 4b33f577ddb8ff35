package dev.multidb.pubsub;

import java.util.List;
import java.util.concurrent.CompletableFuture;

import io.lettuce.core.pubsub.api.async.RedisPubSubAsyncCommands;

/**
 * The three kinds of Pub/Sub subscription, and how each is (un)subscribed on a Lettuce connection.
 *
 * <p>Internal: public only so that {@link dev.multidb.MultiDbPubSub} can name a kind.
 */
public enum Kind {

    /** {@code SUBSCRIBE channel}. */
    CHANNEL,
    /** {@code PSUBSCRIBE pattern}. */
    PATTERN,
    /** {@code SSUBSCRIBE shardchannel} (sharded Pub/Sub, Redis 7). */
    SHARD;

    /** Sends the subscribe command for {@code keys} (not empty); never throws, the future carries any failure. */
    <K, V> CompletableFuture<Void> subscribe(RedisPubSubAsyncCommands<K, V> commands, List<K> keys) {
        try {
            K[] array = toArray(keys);
            return switch (this) {
                case CHANNEL -> commands.subscribe(array).toCompletableFuture();
                case PATTERN -> commands.psubscribe(array).toCompletableFuture();
                case SHARD -> commands.ssubscribe(array).toCompletableFuture();
            };
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /** Sends the unsubscribe command for {@code keys} (not empty); never throws, the future carries any failure. */
    <K, V> CompletableFuture<Void> unsubscribe(RedisPubSubAsyncCommands<K, V> commands, List<K> keys) {
        try {
            K[] array = toArray(keys);
            return switch (this) {
                case CHANNEL -> commands.unsubscribe(array).toCompletableFuture();
                case PATTERN -> commands.punsubscribe(array).toCompletableFuture();
                case SHARD -> commands.sunsubscribe(array).toCompletableFuture();
            };
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    @SuppressWarnings("unchecked")
    private static <K> K[] toArray(List<K> keys) {
        // K is erased: the Lettuce methods take Object[] at run time.
        return (K[]) keys.toArray();
    }

    /** The Redis command word, for messages. */
    String command() {
        return switch (this) {
            case CHANNEL -> "SUBSCRIBE";
            case PATTERN -> "PSUBSCRIBE";
            case SHARD -> "SSUBSCRIBE";
        };
    }

    /** What one key of this kind is called, for messages. */
    String noun() {
        return switch (this) {
            case CHANNEL -> "channel";
            case PATTERN -> "pattern";
            case SHARD -> "shard channel";
        };
    }
}
