package dev.multidb.spring;

import io.lettuce.core.pubsub.RedisPubSubListener;

import org.springframework.data.redis.connection.DefaultMessage;
import org.springframework.data.redis.connection.MessageListener;
import org.springframework.data.redis.connection.SubscriptionListener;
import org.springframework.data.redis.connection.util.AbstractSubscription;

import dev.multidb.MultiDbPubSub;

/**
 * A Spring Data Redis {@link org.springframework.data.redis.connection.Subscription} over a
 * {@link MultiDbPubSub} session: its channels and patterns are subscribed again on the new active
 * database after a switch, so a {@code RedisMessageListenerContainer} keeps receiving without
 * re-subscribing. Confirmations, including those of a re-subscription, reach the listener when it
 * is a {@link SubscriptionListener}.
 */
final class MultiDbSubscription extends AbstractSubscription {

    private final MultiDbPubSub<byte[], byte[]> pubsub;
    private final RedisPubSubListener<byte[], byte[]> adapter;

    MultiDbSubscription(MessageListener listener, MultiDbPubSub<byte[], byte[]> pubsub) {
        super(listener);
        this.pubsub = pubsub;
        this.adapter = new Adapter(listener);
        pubsub.addListener(adapter);
    }

    @Override
    protected void doSubscribe(byte[]... channels) {
        pubsub.subscribe(channels);
    }

    @Override
    protected void doUnsubscribe(boolean all, byte[]... channels) {
        pubsub.unsubscribe(all ? new byte[0][] : channels);
    }

    @Override
    protected void doPsubscribe(byte[]... patterns) {
        pubsub.psubscribe(patterns);
    }

    @Override
    protected void doPUnsubscribe(boolean all, byte[]... patterns) {
        pubsub.punsubscribe(all ? new byte[0][] : patterns);
    }

    @Override
    protected void doClose() {
        pubsub.removeListener(adapter);
        pubsub.close();
    }

    /** Lettuce's listener callbacks turned into Spring's. */
    private static final class Adapter implements RedisPubSubListener<byte[], byte[]> {

        private final MessageListener listener;
        private final SubscriptionListener subscriptions;

        Adapter(MessageListener listener) {
            this.listener = listener;
            this.subscriptions = listener instanceof SubscriptionListener s ? s : SubscriptionListener.NO_OP_SUBSCRIPTION_LISTENER;
        }

        @Override
        public void message(byte[] channel, byte[] message) {
            listener.onMessage(new DefaultMessage(channel, message), null);
        }

        @Override
        public void message(byte[] pattern, byte[] channel, byte[] message) {
            listener.onMessage(new DefaultMessage(channel, message), pattern);
        }

        @Override
        public void subscribed(byte[] channel, long count) {
            subscriptions.onChannelSubscribed(channel, count);
        }

        @Override
        public void psubscribed(byte[] pattern, long count) {
            subscriptions.onPatternSubscribed(pattern, count);
        }

        @Override
        public void unsubscribed(byte[] channel, long count) {
            subscriptions.onChannelUnsubscribed(channel, count);
        }

        @Override
        public void punsubscribed(byte[] pattern, long count) {
            subscriptions.onPatternUnsubscribed(pattern, count);
        }
    }
}
