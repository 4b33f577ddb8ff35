package dev.multidb.examples.boot;

import java.util.Arrays;
import java.util.Map;

import dev.multidb.testkit.RedisServer;

/** The demo's own two redis-servers; a Spring singleton, so that they stop with the application. */
public final class DemoServers implements AutoCloseable {

    private final RedisServer primary;
    private final RedisServer secondary;

    private DemoServers(RedisServer primary, RedisServer secondary) {
        this.primary = primary;
        this.secondary = secondary;
    }

    /** Starts two servers, unless the arguments or the environment name a database already. */
    static DemoServers startUnlessConfigured(String... args) {
        boolean configured = Arrays.stream(args).anyMatch(a -> a.startsWith("--multidb.databases"))
                || System.getProperty("multidb.databases[0].url") != null
                || System.getenv("MULTIDB_DATABASES_0_URL") != null;
        if (configured) {
            return null;
        }
        RedisServer primary = RedisServer.start();
        try {
            return new DemoServers(primary, RedisServer.start());
        } catch (RuntimeException | Error e) {
            primary.close();
            throw e;
        }
    }

    Map<String, Object> properties() {
        return Map.of(
                "multidb.databases[0].url", primary.uri(),
                "multidb.databases[0].name", "primary",
                "multidb.databases[0].weight", "1.0",
                "multidb.databases[0].grace-period", "5s",
                "multidb.databases[1].url", secondary.uri(),
                "multidb.databases[1].name", "secondary",
                "multidb.databases[1].weight", "0.5",
                "multidb.failover.auto-fallback-interval", "5s");
    }

    /** SIGKILLs the primary. */
    public void killPrimary() {
        primary.kill();
    }

    /** Starts the primary again on its port (empty: no persistence). */
    public void restorePrimary() {
        primary.restart();
    }

    @Override
    public void close() {
        try {
            primary.close();
        } finally {
            secondary.close();
        }
    }
}
