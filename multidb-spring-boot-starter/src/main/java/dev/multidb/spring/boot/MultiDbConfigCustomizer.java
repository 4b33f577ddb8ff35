package dev.multidb.spring.boot;

import dev.multidb.MultiDbConfig;

/**
 * Adds to the configuration built from the {@code multidb.*} properties what properties cannot
 * express: custom health checks, failure detectors, a failover strategy, listeners, Lettuce
 * client resources. Declare one or more as beans; they run in order before the client is created.
 */
@FunctionalInterface
public interface MultiDbConfigCustomizer {

    /** Changes {@code builder}, already filled from the properties. */
    void customize(MultiDbConfig.Builder builder);
}
