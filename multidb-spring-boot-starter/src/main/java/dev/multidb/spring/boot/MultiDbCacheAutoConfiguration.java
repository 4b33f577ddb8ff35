package dev.multidb.spring.boot;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.cache.autoconfigure.RedisCacheManagerBuilderCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.data.redis.cache.RedisCacheWriter;

import dev.multidb.spring.MultiDbConnectionFactory;

/**
 * Makes Spring Boot's {@code RedisCacheManager} write through the imperative API. Spring Data
 * Redis would otherwise send cache writes, fire and forget, over the reactive API whenever the
 * factory is also reactive (a {@code LettuceConnectionFactory} always is): that would start the
 * factory's second, reactive client, and a failed write would vanish unseen. Written at once, a
 * put fails or succeeds in the caller, under multidb's retry rules.
 */
@AutoConfiguration(after = MultiDbAutoConfiguration.class,
        beforeName = "org.springframework.boot.cache.autoconfigure.CacheAutoConfiguration")
@ConditionalOnClass({ RedisCacheManagerBuilderCustomizer.class, RedisCacheWriter.class })
@ConditionalOnBean(MultiDbConnectionFactory.class)
public class MultiDbCacheAutoConfiguration {

    @Bean
    RedisCacheManagerBuilderCustomizer multiDbImmediateCacheWrites(MultiDbConnectionFactory factory) {
        return builder -> builder.cacheWriter(RedisCacheWriter.create(factory, writer -> writer.immediateWrites()));
    }
}
