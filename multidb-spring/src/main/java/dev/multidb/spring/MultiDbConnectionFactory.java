package dev.multidb.spring;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.api.StatefulRedisConnection;

import org.jspecify.annotations.Nullable;
import org.springframework.dao.InvalidDataAccessApiUsageException;
import org.springframework.data.redis.connection.RedisClusterConnection;
import org.springframework.data.redis.connection.RedisConnection;
import org.springframework.data.redis.connection.RedisSentinelConnection;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionProvider;
import org.springframework.data.redis.connection.lettuce.MultiDbLettuceConnectionFactorySupport;

import dev.multidb.MultiDbClient;

/**
 * Spring Data Redis's connection factory over a {@link MultiDbClient}: {@code RedisTemplate},
 * {@code StringRedisTemplate}, {@code RedisCacheManager}, {@code RedisMessageListenerContainer}
 * and Spring Session use several Redis databases as one resilient endpoint.
 *
 * <p>It is a {@link LettuceConnectionFactory} so that everything Spring Data Redis does for Lettuce
 * applies unchanged ({@link org.springframework.data.redis.connection.lettuce.LettuceConnection}'s
 * commands, pipelines, transactions, exception translation, the non-blocking listener container),
 * but it creates no Lettuce client of its own and ignores the host, port, database, password and
 * client settings of its superclass: connections come from the {@link MultiDbClient}.
 * <ul>
 * <li>Plain commands share the client's connection ({@link MultiDbClient#sync()}'s), the
 * stateless fast path, unless {@link #setShareNativeConnection sharing is off}.</li>
 * <li>Transactions ({@code SessionCallback} with MULTI/EXEC), pipelines and blocking commands
 * take a connection of their own from {@link MultiDbClient#connect()}: one database from MULTI to
 * EXEC.</li>
 * <li>Subscriptions go through {@link MultiDbClient#pubsub()} and follow the active database.</li>
 * </ul>
 * Reactive connections need a second client with a {@code ByteBuffer} codec
 * ({@link #MultiDbConnectionFactory(MultiDbClient, MultiDbClient)} or
 * {@link #withLazyReactiveClient}); reactive Pub/Sub is not supported (use the listener container).
 *
 * <p>The factory does not own the clients: close them after the factory is stopped.
 */
public class MultiDbConnectionFactory extends MultiDbLettuceConnectionFactorySupport {

    private final MultiDbClient<byte[], byte[]> client;
    private final MultiDbConnectionProvider<byte[], byte[]> provider;
    private final @Nullable Supplier<MultiDbClient<ByteBuffer, ByteBuffer>> reactiveClients;
    private final boolean ownsReactiveClient;
    private final Object reactiveLock = new Object();
    private volatile @Nullable MultiDbClient<ByteBuffer, ByteBuffer> reactiveClient;
    private volatile @Nullable MultiDbConnectionProvider<ByteBuffer, ByteBuffer> reactiveProvider;
    private final AtomicBoolean running = new AtomicBoolean();

    /**
     * A factory for the imperative API only.
     *
     * @param client the client, created with {@code ByteArrayCodec}; it stays the caller's to close
     */
    public MultiDbConnectionFactory(MultiDbClient<byte[], byte[]> client) {
        this(client, null);
    }

    /**
     * A factory for the imperative API over {@code client} and the reactive API over
     * {@code reactiveClient}.
     *
     * @param client         the imperative client, created with {@code ByteArrayCodec}; the caller's to close
     * @param reactiveClient the reactive client, created with {@link #REACTIVE_CODEC}, or {@code null}
     *                       for none; the caller's to close
     */
    public MultiDbConnectionFactory(MultiDbClient<byte[], byte[]> client,
            @Nullable MultiDbClient<ByteBuffer, ByteBuffer> reactiveClient) {
        this(client, reactiveClient == null ? null : () -> reactiveClient, false);
    }

    /**
     * A factory for the imperative API over {@code client} whose reactive API uses a client that
     * {@code reactiveClients} creates (with {@code ByteBufferCodec}) the first time a reactive
     * connection is asked for. That client is the factory's: {@link #destroy()} closes it. A
     * second client health-checks the databases on its own: create it only for applications that
     * use the reactive API.
     *
     * @param client          the imperative client, created with {@code ByteArrayCodec}; the caller's to close
     * @param reactiveClients creates the reactive client, with {@link #REACTIVE_CODEC}
     * @return a factory that owns the reactive client it creates
     */
    public static MultiDbConnectionFactory withLazyReactiveClient(MultiDbClient<byte[], byte[]> client,
            Supplier<MultiDbClient<ByteBuffer, ByteBuffer>> reactiveClients) {
        if (reactiveClients == null) {
            throw new IllegalArgumentException("reactiveClients must not be null");
        }
        return new MultiDbConnectionFactory(client, reactiveClients, true);
    }

    private MultiDbConnectionFactory(MultiDbClient<byte[], byte[]> client,
            @Nullable Supplier<MultiDbClient<ByteBuffer, ByteBuffer>> reactiveClients, boolean ownsReactiveClient) {
        if (client == null) {
            throw new IllegalArgumentException("client must not be null");
        }
        this.client = client;
        this.provider = new MultiDbConnectionProvider<>(client);
        this.reactiveClients = reactiveClients;
        this.ownsReactiveClient = ownsReactiveClient;
        // Spring waits this long for what it awaits itself; every attempt multidb makes is bounded by its own timeouts.
        setTimeout(Math.max(Duration.ofSeconds(60).toMillis(), client.config().commandTimeout().toMillis() * 4));
    }

    /** @return the imperative client */
    public MultiDbClient<byte[], byte[]> getClient() {
        return client;
    }

    @Override
    public void afterPropertiesSet() {
        // Nothing to create: the client exists. Starting is only a state change (see start()).
    }

    @Override
    public void start() {
        running.set(true);
    }

    @Override
    public void stop() {
        running.set(false);
    }

    @Override
    public boolean isRunning() {
        return running.get();
    }

    @Override
    public void destroy() {
        stop();
        MultiDbClient<ByteBuffer, ByteBuffer> reactive;
        synchronized (reactiveLock) {
            reactive = ownsReactiveClient ? reactiveClient : null;
            reactiveClient = null;
            reactiveProvider = null;
        }
        if (reactive != null) {
            reactive.close();
        }
    }

    @Override
    public void initConnection() {
        // The shared connection is the client's own, opened when the client started.
    }

    @Override
    public void resetConnection() {
        // Nothing to reset: the client reconnects and fails over by itself.
    }

    @Override
    public void validateConnection() {
        // The client health-checks every database itself.
    }

    @Override
    public RedisConnection getConnection() {
        assertRunning();
        MultiDbLettuceConnection connection = new MultiDbLettuceConnection(getSharedConnection(), provider, client, getTimeout());
        connection.setConvertPipelineAndTxResults(getConvertPipelineAndTxResults());
        return connection;
    }

    @Override
    protected @Nullable StatefulRedisConnection<byte[], byte[]> getSharedConnection() {
        return getShareNativeConnection() ? client.sync().getStatefulConnection() : null;
    }

    @Override
    public RedisClusterConnection getClusterConnection() {
        throw new InvalidDataAccessApiUsageException("multidb presents its databases as one standalone endpoint:"
                + " use getConnection() (Redis Cluster members are served by MultiDbClusterClient, not by this factory)");
    }

    @Override
    public RedisSentinelConnection getSentinelConnection() {
        throw new InvalidDataAccessApiUsageException("multidb does not use Redis Sentinel");
    }

    @Override
    protected @Nullable LettuceConnectionProvider reactiveProvider() {
        if (reactiveClients == null) {
            return null;
        }
        MultiDbConnectionProvider<ByteBuffer, ByteBuffer> current = reactiveProvider;
        if (current != null) {
            return current;
        }
        synchronized (reactiveLock) {
            if (reactiveProvider == null) {
                assertRunning();
                MultiDbClient<ByteBuffer, ByteBuffer> created = reactiveClients.get();
                reactiveClient = created;
                reactiveProvider = new MultiDbConnectionProvider<>(created);
            }
            return reactiveProvider;
        }
    }

    @Override
    protected @Nullable StatefulConnection<ByteBuffer, ByteBuffer> reactiveSharedConnection() {
        MultiDbClient<ByteBuffer, ByteBuffer> reactive = reactiveClient;
        return reactive != null && getShareNativeConnection() ? reactive.sync().getStatefulConnection() : null;
    }

    /** @return the reactive client, or {@code null} when none was given or none is created yet */
    public @Nullable MultiDbClient<ByteBuffer, ByteBuffer> getReactiveClient() {
        return reactiveClient;
    }

    @Override
    public boolean isClusterAware() {
        return false;
    }

    @Override
    public boolean isRedisSentinelAware() {
        return false;
    }

    @Override
    public String toString() {
        return "MultiDbConnectionFactory" + client.databases();
    }

    @Override
    protected void assertRunning() {
        if (!running.get()) {
            throw new IllegalStateException("MultiDbConnectionFactory is not started (call start(), as a Spring context does)");
        }
    }
}
