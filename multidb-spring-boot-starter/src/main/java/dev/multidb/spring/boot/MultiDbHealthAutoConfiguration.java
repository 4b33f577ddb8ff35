package dev.multidb.spring.boot;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;

import dev.multidb.MultiDbClient;

/** The {@code multidb} health indicator, when Spring Boot's health support is on the class path. */
@AutoConfiguration(after = MultiDbAutoConfiguration.class)
@ConditionalOnClass({ HealthIndicator.class, ConditionalOnEnabledHealthIndicator.class })
@ConditionalOnBean(MultiDbClient.class)
@ConditionalOnEnabledHealthIndicator("multidb")
public class MultiDbHealthAutoConfiguration {

    /** Named {@code multidb} in the health endpoint ({@code /actuator/health/multidb}). */
    @Bean(name = "multidbHealthIndicator")
    @ConditionalOnMissingBean(name = "multidbHealthIndicator")
    MultiDbHealthIndicator multidbHealthIndicator(MultiDbClient<byte[], byte[]> multiDbClient) {
        return new MultiDbHealthIndicator(multiDbClient);
    }
}
