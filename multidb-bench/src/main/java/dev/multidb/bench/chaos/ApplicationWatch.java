package dev.multidb.bench.chaos;

import java.net.SocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisConnectionStateListener;
import io.lettuce.core.RedisURI;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;

import dev.multidb.testkit.RedisServer;
import dev.multidb.testkit.TestCertificates;

/**
 * When each server applied each soak write: every server announces its string writes on its
 * keyspace channels (see {@link ChaosDatabase#DURABLE}), and this watch subscribes to them
 * straight at the servers (not through the proxies or the client under test), noting per key and
 * database the first time it heard of one. A server that applies a write after the client
 * acknowledged it elsewhere (late: a frozen process thawing, held traffic delivered) shows here.
 * The connections reconnect and resubscribe by themselves after a server restarts.
 */
final class ApplicationWatch implements AutoCloseable {

    private static final String PREFIX = "__keyspace@0__:";
    /** How the watch's own connections are named on the servers, so that the leak check leaves them out. */
    static final String CLIENT_NAME = "soak-watch";
    /**
     * After the watch (re)connects to a server, this long is taken for its AOF replay: a restarted
     * server announces every key it loads, which it applied before it died, not now.
     */
    private static final long REPLAY_NANOS = TimeUnit.SECONDS.toNanos(2);

    private final RedisClient client;
    private final List<StatefulRedisPubSubConnection<String, String>> connections = new ArrayList<>();
    /** key -> database name -> nanoTime of the first application heard of. */
    private final Map<String, Map<String, Long>> applied = new ConcurrentHashMap<>();
    private boolean closed;

    /** {@code certificates}: the test CA for TLS databases, or null when there is none. */
    ApplicationWatch(List<ChaosDatabase> databases, TestCertificates certificates) {
        client = ChaosDatabase.directClient(certificates);
        for (ChaosDatabase db : databases) {
            for (RedisServer server : db.servers()) {
                StatefulRedisPubSubConnection<String, String> connection = client.connectPubSub(
                        RedisURI.builder(db.direct(server)).withClientName(CLIENT_NAME).build());
                AtomicLong connectedAt = new AtomicLong(System.nanoTime());
                connection.addListener(new RedisConnectionStateListener() {
                    @Override
                    public void onRedisConnected(RedisChannelHandler<?, ?> ignored, SocketAddress address) {
                        connectedAt.set(System.nanoTime()); // reconnected after a restart
                    }
                });
                connection.addListener(new RedisPubSubAdapter<>() {
                    @Override
                    public void message(String pattern, String channel, String message) {
                        long now = System.nanoTime();
                        if (now - connectedAt.get() < REPLAY_NANOS) {
                            return; // a restarted server replaying its AOF re-announces what it applied before
                        }
                        applied.computeIfAbsent(channel.substring(PREFIX.length()), k -> new ConcurrentHashMap<>())
                                .merge(db.name(), now, Math::min);
                    }
                });
                connection.sync().psubscribe(PREFIX + "s:*", PREFIX + "p:*");
                connections.add(connection);
            }
        }
    }

    /** Per database, the first time it was heard to apply {@code key}; empty when none was. */
    Map<String, Long> appliedAt(String key) {
        return applied.getOrDefault(key, Map.of());
    }

    /** Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        connections.forEach(StatefulRedisPubSubConnection::close);
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }
}
