package dev.multidb.spring.boot;

import io.micrometer.core.instrument.MeterRegistry;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

import dev.multidb.MultiDbClient;
import dev.multidb.metrics.MultiDbMetrics;

/** Binds multidb's meters ({@code multidb.*}) to the application's {@link MeterRegistry}. */
@AutoConfiguration(after = MultiDbAutoConfiguration.class, afterName = {
        "org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration",
        "org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration",
        "org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration" })
@ConditionalOnClass(MeterRegistry.class)
@ConditionalOnBean({ MeterRegistry.class, MultiDbClient.class })
@ConditionalOnBooleanProperty(name = "multidb.metrics.enabled", matchIfMissing = true)
public class MultiDbMetricsAutoConfiguration {

    /** Removed from the registry when the context closes (before the client closes). */
    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    MultiDbMetrics multiDbMetrics(MultiDbClient<byte[], byte[]> multiDbClient, MeterRegistry registry) {
        return MultiDbMetrics.bind(multiDbClient, registry);
    }
}
