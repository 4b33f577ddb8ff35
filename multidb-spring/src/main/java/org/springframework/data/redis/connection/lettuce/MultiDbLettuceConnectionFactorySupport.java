package org.springframework.data.redis.connection.lettuce;

import java.nio.ByteBuffer;

import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.codec.RedisCodec;

import org.jspecify.annotations.Nullable;
import org.springframework.dao.InvalidDataAccessApiUsageException;

/**
 * The reactive half of {@code dev.multidb.spring.MultiDbConnectionFactory}. It lives in Spring
 * Data Redis's package for one reason: {@link LettuceReactiveRedisConnection} and its constructors
 * are package-private, yet {@link LettuceConnectionFactory#getReactiveConnection()} returns one, so
 * only a class in this package can override it (fine on the class path; on the module path Spring
 * Data Redis would have to open the package).
 */
public abstract class MultiDbLettuceConnectionFactorySupport extends LettuceConnectionFactory {

    /**
     * The codec Spring Data Redis's reactive connections use ({@code ByteBuffer} keys and values):
     * create the reactive {@code MultiDbClient} with it.
     */
    public static final RedisCodec<ByteBuffer, ByteBuffer> REACTIVE_CODEC = LettuceReactiveRedisConnection.CODEC;

    /** Instances come from {@code MultiDbConnectionFactory} only. */
    protected MultiDbLettuceConnectionFactorySupport() {
    }

    /**
     * Where reactive connections get their own connections (transactions).
     *
     * @return the provider, or {@code null} when the factory has no reactive client
     */
    protected abstract @Nullable LettuceConnectionProvider reactiveProvider();

    /** @return the shared reactive connection for plain commands, or {@code null} for none */
    protected abstract @Nullable StatefulConnection<ByteBuffer, ByteBuffer> reactiveSharedConnection();

    /** Fails unless the factory is started. */
    protected abstract void assertRunning();

    @Override
    public LettuceReactiveRedisConnection getReactiveConnection() {
        assertRunning();
        LettuceConnectionProvider provider = reactiveProvider();
        if (provider == null) {
            throw new InvalidDataAccessApiUsageException("this MultiDbConnectionFactory has no reactive client:"
                    + " create it with MultiDbConnectionFactory(client, reactiveClient)");
        }
        StatefulConnection<ByteBuffer, ByteBuffer> shared = reactiveSharedConnection();
        return shared == null ? new LettuceReactiveRedisConnection(provider) : new LettuceReactiveRedisConnection(shared, provider);
    }

    @Override
    public LettuceReactiveRedisClusterConnection getReactiveClusterConnection() {
        throw new InvalidDataAccessApiUsageException("multidb presents its databases as one standalone endpoint:"
                + " use getReactiveConnection()");
    }
}
