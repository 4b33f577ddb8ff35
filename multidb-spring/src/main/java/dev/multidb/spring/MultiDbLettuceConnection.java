package dev.multidb.spring;

import io.lettuce.core.api.StatefulRedisConnection;

import org.jspecify.annotations.Nullable;
import org.springframework.dao.InvalidDataAccessApiUsageException;
import org.springframework.data.redis.connection.MessageListener;
import org.springframework.data.redis.connection.Subscription;
import org.springframework.data.redis.connection.lettuce.LettuceConnection;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionProvider;

import dev.multidb.MultiDbClient;
import dev.multidb.MultiDbPubSub;

/**
 * Spring Data Redis's {@link LettuceConnection}, with every command behaviour it has, over
 * multidb's connections; only Pub/Sub differs: it goes through a {@link MultiDbPubSub} session
 * that follows the active database, where a Lettuce Pub/Sub connection would stay on the database
 * that failed.
 */
public class MultiDbLettuceConnection extends LettuceConnection {

    private final MultiDbClient<byte[], byte[]> client;
    private volatile @Nullable MultiDbSubscription multiDbSubscription;

    /**
     * @param sharedConnection the client's shared connection for plain commands, or {@code null}
     *                         to take a connection of its own from {@code provider} for everything
     * @param provider         where transactions, pipelines and blocking commands get their connection
     * @param client           the client Pub/Sub sessions are opened on
     * @param timeoutMillis    how long Spring waits for blocking operations
     */
    public MultiDbLettuceConnection(@Nullable StatefulRedisConnection<byte[], byte[]> sharedConnection,
            LettuceConnectionProvider provider, MultiDbClient<byte[], byte[]> client, long timeoutMillis) {
        super(sharedConnection, provider, timeoutMillis, 0);
        this.client = client;
    }

    @Override
    public void subscribe(MessageListener listener, byte[]... channels) {
        startSubscription(listener).subscribe(channels);
    }

    @Override
    public void pSubscribe(MessageListener listener, byte[]... patterns) {
        startSubscription(listener).pSubscribe(patterns);
    }

    private MultiDbSubscription startSubscription(MessageListener listener) {
        if (isSubscribed()) {
            throw new org.springframework.data.redis.connection.RedisSubscribedConnectionException(
                    "Connection already subscribed; use the connection Subscription to cancel or add new channels");
        }
        if (isQueueing() || isPipelined()) {
            throw new InvalidDataAccessApiUsageException("Transaction/Pipelining is not supported for Pub/Sub subscriptions");
        }
        MultiDbSubscription subscription = new MultiDbSubscription(listener, client.pubsub());
        this.multiDbSubscription = subscription;
        return subscription;
    }

    @Override
    public @Nullable Subscription getSubscription() {
        return multiDbSubscription;
    }

    @Override
    public boolean isSubscribed() {
        Subscription subscription = multiDbSubscription;
        return subscription != null && subscription.isAlive();
    }

    @Override
    public void close() {
        try {
            super.close();
        } finally {
            MultiDbSubscription subscription = multiDbSubscription;
            multiDbSubscription = null;
            if (subscription != null && subscription.isAlive()) {
                subscription.close();
            }
        }
    }
}
