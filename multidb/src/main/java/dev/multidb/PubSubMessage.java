package dev.multidb;

/**
 * One data message received by a {@link MultiDbPubSub}: a plain channel message, a pattern
 * message or a shard channel message. Subscription confirmations are not messages: they go to the
 * {@link io.lettuce.core.pubsub.RedisPubSubListener listeners} only.
 *
 * @param channel the channel the message was published to
 * @param pattern the pattern that matched {@code channel} for a pattern message; {@code null} for
 *                plain channel and shard channel messages
 * @param message the payload
 * @param shard   {@code true} for a message of a shard channel ({@code SPUBLISH}, Redis 7)
 * @param <K>     key (channel) type
 * @param <V>     value (payload) type
 */
public record PubSubMessage<K, V>(K channel, K pattern, V message, boolean shard) {

    /** {@return whether this message was delivered through a pattern subscription} */
    public boolean isPatternMessage() {
        return pattern != null;
    }
}
