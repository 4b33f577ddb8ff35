package dev.multidb.spring.boot;

import java.nio.ByteBuffer;

import io.lettuce.core.codec.ByteArrayCodec;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.annotation.Bean;
import org.springframework.data.redis.connection.RedisConnectionFactory;

import dev.multidb.MultiDbClient;
import dev.multidb.MultiDbConfig;
import dev.multidb.MultiDbEvent;
import dev.multidb.spring.MultiDbConnectionFactory;

/**
 * multidb as the application's Redis: a {@link MultiDbClient} built from the {@code multidb.*}
 * properties and a {@link MultiDbConnectionFactory} over it, which replaces the connection factory
 * Spring Boot would create from {@code spring.data.redis.*} (it runs first, and Boot's backs off
 * when a {@link RedisConnectionFactory} exists). {@code RedisTemplate}, {@code StringRedisTemplate},
 * the Redis cache manager, listener containers and Spring Session then use it unchanged. Every
 * {@link MultiDbEvent} is also published as a Spring application event
 * ({@code @EventListener void on(ActiveDatabaseChangedEvent e)}).
 */
@AutoConfiguration(beforeName = {
        "org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration",
        "org.springframework.boot.data.redis.autoconfigure.DataRedisReactiveAutoConfiguration" })
@ConditionalOnClass({ MultiDbClient.class, RedisConnectionFactory.class })
@ConditionalOnBooleanProperty(name = "multidb.enabled", matchIfMissing = true)
@EnableConfigurationProperties(MultiDbProperties.class)
public class MultiDbAutoConfiguration {

    /** The client's configuration: the properties, then every {@link MultiDbConfigCustomizer} bean. */
    @Bean
    @ConditionalOnMissingBean
    MultiDbConfig multiDbConfig(MultiDbProperties properties, ObjectProvider<MultiDbConfigCustomizer> customizers,
            ApplicationEventPublisher publisher) {
        return MultiDbConfigBinder.toConfig(properties, builder -> {
            // Registered before the client starts, so that the first choice of the active database is published too.
            builder.listener(MultiDbEvent.class, publisher::publishEvent);
            customizers.orderedStream().forEach(c -> c.customize(builder));
        });
    }

    /** The client Spring Data Redis goes through ({@code byte[]} keys and values, as Spring Data Redis uses). */
    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    MultiDbClient<byte[], byte[]> multiDbClient(MultiDbConfig config) {
        return MultiDbClient.create(config, ByteArrayCodec.INSTANCE);
    }

    /**
     * The connection factory. Its reactive API gets a second client, created only when a reactive
     * connection is first asked for (it health-checks the databases on its own).
     */
    @Bean
    @ConditionalOnMissingBean(RedisConnectionFactory.class)
    MultiDbConnectionFactory redisConnectionFactory(MultiDbClient<byte[], byte[]> multiDbClient, MultiDbProperties properties,
            ObjectProvider<MultiDbConfigCustomizer> customizers) {
        // Built again from the properties, without the event publisher: the application hears the
        // imperative client's events only, not every event twice.
        return MultiDbConnectionFactory.withLazyReactiveClient(multiDbClient, () -> MultiDbClient.<ByteBuffer, ByteBuffer>create(
                MultiDbConfigBinder.toConfig(properties, builder -> customizers.orderedStream().forEach(c -> c.customize(builder))),
                MultiDbConnectionFactory.REACTIVE_CODEC));
    }
}
