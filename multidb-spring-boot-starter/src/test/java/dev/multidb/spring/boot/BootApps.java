package dev.multidb.spring.boot;

import java.util.ArrayList;
import java.util.List;

import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

import dev.multidb.testkit.RedisServer;

/** Starts {@link TestApp} on a random port against a primary (weight 1) and a secondary (weight 0.5). */
final class BootApps {

    private BootApps() {
    }

    /** Settings that make a test fast: short grace period and fallback, a short busy budget. */
    static List<String> properties(RedisServer primary, RedisServer secondary, String... extra) {
        List<String> props = new ArrayList<>(List.of(
                "multidb.databases[0].url=" + primary.uri(),
                "multidb.databases[0].name=primary",
                "multidb.databases[0].weight=1.0",
                "multidb.databases[0].grace-period=1s",
                "multidb.databases[1].url=" + secondary.uri(),
                "multidb.databases[1].name=secondary",
                "multidb.databases[1].weight=0.5",
                "multidb.databases[1].grace-period=1s",
                "multidb.health-check.interval=500ms",
                "multidb.failover.auto-fallback-interval=1s",
                "multidb.busy-budget=2s",
                "server.port=0",
                "server.address=127.0.0.1",
                "spring.cache.type=redis",
                "management.endpoints.web.exposure.include=health",
                "management.endpoint.health.show-details=always",
                "logging.level.root=WARN",
                "logging.level.dev.multidb=INFO"));
        props.addAll(List.of(extra));
        return props;
    }

    static ConfigurableApplicationContext start(RedisServer primary, RedisServer secondary, String... extra) {
        return new SpringApplicationBuilder(TestApp.class)
                .properties(properties(primary, secondary, extra).toArray(String[]::new))
                .run();
    }

    static int port(ConfigurableApplicationContext context) {
        return Integer.parseInt(context.getEnvironment().getRequiredProperty("local.server.port"));
    }
}
