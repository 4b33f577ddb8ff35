package dev.multidb.spring.boot;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.data.redis.health.DataRedisHealthIndicator;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import dev.multidb.MultiDbClient;
import dev.multidb.spring.MultiDbConnectionFactory;

/**
 * The {@code multidb} health indicator, when Spring Boot's health support is on the class path;
 * and Boot's own {@code redis} indicator on the imperative API. Boot would otherwise pick its
 * reactive {@code redis} indicator whenever Reactor is on the class path (it always is, through
 * Lettuce), and that would make the factory start its second, reactive client for nothing.
 */
@AutoConfiguration(after = MultiDbAutoConfiguration.class, beforeName = {
        "org.springframework.boot.data.redis.autoconfigure.health.DataRedisReactiveHealthContributorAutoConfiguration",
        "org.springframework.boot.data.redis.autoconfigure.health.DataRedisHealthContributorAutoConfiguration" })
@ConditionalOnClass({ HealthIndicator.class, ConditionalOnEnabledHealthIndicator.class })
@ConditionalOnBean(MultiDbClient.class)
public class MultiDbHealthAutoConfiguration {

    /** Named {@code multidb} in the health endpoint ({@code /actuator/health/multidb}). */
    @Bean(name = "multidbHealthIndicator")
    @ConditionalOnMissingBean(name = "multidbHealthIndicator")
    @ConditionalOnEnabledHealthIndicator("multidb")
    MultiDbHealthIndicator multidbHealthIndicator(MultiDbClient<byte[], byte[]> multiDbClient) {
        return new MultiDbHealthIndicator(multiDbClient);
    }

    /** Boot's {@code redis} indicator (INFO on the active database), over the imperative API. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(DataRedisHealthIndicator.class)
    @ConditionalOnBean(MultiDbConnectionFactory.class)
    @ConditionalOnEnabledHealthIndicator("redis")
    static class RedisIndicator {

        @Bean(name = "redisHealthContributor")
        @ConditionalOnMissingBean(name = { "redisHealthIndicator", "redisHealthContributor" })
        HealthIndicator redisHealthContributor(MultiDbConnectionFactory factory) {
            return new DataRedisHealthIndicator(factory);
        }
    }
}
