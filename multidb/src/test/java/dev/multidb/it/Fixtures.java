package dev.multidb.it;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import dev.multidb.DatabaseConfig;
import dev.multidb.MultiDbConfig;
import dev.multidb.MultiDbEvent;

/** Shared set-up for the integration tests: configs with short, test-friendly intervals. */
final class Fixtures {

    private Fixtures() {
    }

    static DatabaseConfig db(String name, String uri, double weight) {
        return DatabaseConfig.builder().fromUrl(uri).name(name).weight(weight).gracePeriod(Duration.ofMillis(500)).build();
    }

    /** Two databases, defaults except for intervals short enough for a test. */
    static MultiDbConfig.Builder twoDatabases(String primaryUri, String secondaryUri) {
        return MultiDbConfig.builder()
                .database(db("primary", primaryUri, 1.0))
                .database(db("secondary", secondaryUri, 0.5))
                .healthCheckInterval(Duration.ofMillis(200))
                .healthCheckDelay(Duration.ofMillis(50))
                .autoFallbackInterval(Duration.ofMillis(500))
                // A cold JVM on a busy machine may take a while for its first connection.
                .connectTimeout(Duration.ofSeconds(3));
    }

    /** Collects every event, for assertions. */
    static final class Recorder {
        final List<MultiDbEvent> events = new CopyOnWriteArrayList<>();

        <E extends MultiDbEvent> List<E> of(Class<E> type) {
            return events.stream().filter(type::isInstance).map(type::cast).toList();
        }
    }

    /**
     * Names of live threads that a client may have started, its own or the JDK's on its behalf
     * ({@code CompletableFuture.orTimeout} starts a JVM-wide thread that never ends).
     */
    static List<String> clientThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).map(Thread::getName)
                .filter(n -> n.startsWith("multidb-") || n.startsWith("lettuce-") || n.equals("CompletableFutureDelayScheduler")).toList();
    }
}
