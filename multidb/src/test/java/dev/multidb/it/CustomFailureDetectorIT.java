package dev.multidb.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.multidb.ActiveDatabaseChangedEvent;
import dev.multidb.Database;
import dev.multidb.MultiDbClient;
import dev.multidb.MultiDbConfig;
import dev.multidb.SwitchReason;
import dev.multidb.circuit.CircuitState;
import dev.multidb.detect.FailureDetector;
import dev.multidb.detect.FailureTracker;
import dev.multidb.testkit.RedisServer;

/**
 * A user's {@link FailureDetector}, given in the config or added at run time, gets a tracker for
 * every database (existing ones and ones added later), is fed by ordinary commands, and when it
 * trips the client fails over even though the database's health checks pass.
 */
class CustomFailureDetectorIT {

    private static final Pattern CLIENT_ID = Pattern.compile("(?:^|\\s)id=(\\d+)\\s");

    private final RedisServer primary = RedisServer.start();
    private final RedisServer secondary = RedisServer.start();
    private final Fixtures.Recorder recorder = new Fixtures.Recorder();
    private MultiDbClient<String, String> client;

    @AfterEach
    void stop() {
        if (client != null) {
            client.close();
        }
        primary.close();
        secondary.close();
    }

    /** A detector the test steers: counts per database, and trips on a failure while {@link #trip} is set. */
    static final class SteeredDetector implements FailureDetector {
        final List<String> trackersCreatedFor = new CopyOnWriteArrayList<>();
        final Map<String, CountingTracker> trackers = new ConcurrentHashMap<>();
        volatile boolean trip;

        @Override
        public FailureTracker newTracker(Database database) {
            trackersCreatedFor.add(database.name());
            CountingTracker tracker = new CountingTracker();
            trackers.put(database.name(), tracker);
            return tracker;
        }

        CountingTracker tracker(String name) {
            return trackers.get(name);
        }

        final class CountingTracker implements FailureTracker {
            final AtomicLong successes = new AtomicLong();
            final AtomicLong failures = new AtomicLong();
            final AtomicLong resets = new AtomicLong();
            final List<Throwable> causes = new CopyOnWriteArrayList<>();

            @Override
            public void recordSuccess() {
                successes.incrementAndGet();
            }

            @Override
            public boolean recordFailure(Throwable cause) {
                failures.incrementAndGet();
                causes.add(cause);
                return trip;
            }

            @Override
            public void reset() {
                resets.incrementAndGet();
            }
        }
    }

    private MultiDbConfig.Builder config() {
        return Fixtures.twoDatabases(primary.uri(), secondary.uri())
                .listener(ActiveDatabaseChangedEvent.class, recorder.events::add);
    }

    private String active() {
        Database db = client.activeDatabase();
        return db == null ? null : db.name();
    }

    private Database database(String name) {
        return client.databases().stream().filter(d -> d.name().equals(name)).findFirst().orElseThrow();
    }

    /**
     * Makes one command fail on {@code server} with a lost connection while the server itself stays
     * healthy: a BLPOP blocks there (on a connection of its own, not the shared one nor the health
     * one), and that one connection is killed from the server's side.
     */
    private CompletableFuture<?> failOneCommandOn(RedisServer server) {
        CompletableFuture<?> pop = client.async().blpop(30, "never-pushed").toCompletableFuture();
        String id = await().atMost(Duration.ofSeconds(5)).until(() -> blockedClientId(server), java.util.Objects::nonNull);
        assertThat(server.command("CLIENT", "KILL", "ID", id)).isEqualTo("1");
        await().atMost(Duration.ofSeconds(5)).until(pop::isDone);
        return pop;
    }

    private static String blockedClientId(RedisServer server) {
        for (String line : server.command("CLIENT", "LIST").split("\n")) {
            if (line.contains("cmd=blpop")) {
                Matcher m = CLIENT_ID.matcher(line);
                if (m.find()) {
                    return m.group(1);
                }
            }
        }
        return null;
    }

    @Test
    void trackersAreCreatedForEveryDatabaseIncludingOnesAddedLater() {
        SteeredDetector configured = new SteeredDetector();
        client = MultiDbClient.create(config().failureDetector(configured).build());
        assertThat(configured.trackersCreatedFor).containsExactlyInAnyOrder("primary", "secondary");

        SteeredDetector added = new SteeredDetector();
        client.addFailureDetector(added);
        assertThat(added.trackersCreatedFor).containsExactlyInAnyOrder("primary", "secondary");

        try (RedisServer third = RedisServer.start()) {
            Database thirdDb = client.addDatabase(Fixtures.db("third", third.uri(), 0.1));
            assertThat(configured.trackersCreatedFor).containsExactlyInAnyOrder("primary", "secondary", "third");
            assertThat(added.trackersCreatedFor).containsExactlyInAnyOrder("primary", "secondary", "third");

            // The new trackers are the ones fed when the added database carries the traffic.
            client.setActiveDatabase(thirdDb);
            for (int i = 0; i < 10; i++) {
                client.sync().set("k" + i, "v");
            }
            assertThat(third.command("GET", "k9")).isEqualTo("v");
            assertThat(configured.tracker("third").successes.get()).isGreaterThanOrEqualTo(10);
            assertThat(added.tracker("third").successes.get()).isGreaterThanOrEqualTo(10);
        }
    }

    @Test
    void ordinaryCommandsFeedRecordSuccessOfTheActiveDatabaseOnly() {
        SteeredDetector configured = new SteeredDetector();
        client = MultiDbClient.create(config().failureDetector(configured).build());
        SteeredDetector added = new SteeredDetector();
        client.addFailureDetector(added);
        long configuredBefore = configured.tracker("primary").successes.get();
        long addedBefore = added.tracker("primary").successes.get();

        for (int i = 0; i < 50; i++) {
            client.sync().set("k" + i, "v");
        }
        for (int i = 0; i < 50; i++) {
            client.async().get("k" + i).toCompletableFuture().join();
        }
        // Health checks run on their own connection: they feed no tracker, so the count is exact.
        assertThat(configured.tracker("primary").successes.get() - configuredBefore).isEqualTo(100);
        assertThat(added.tracker("primary").successes.get() - addedBefore).isEqualTo(100);
        assertThat(configured.tracker("primary").failures).hasValue(0);
        assertThat(configured.tracker("secondary").successes).hasValue(0);
        assertThat(added.tracker("secondary").successes).hasValue(0);
    }

    @Test
    void aFailureTheDetectorDoesNotTripOnMovesNothing() {
        SteeredDetector detector = new SteeredDetector();
        client = MultiDbClient.create(config().failureDetector(detector).build());

        failOneCommandOn(primary);

        await().atMost(Duration.ofSeconds(5)).until(() -> detector.tracker("primary").failures.get() >= 1);
        // The primary answers its health checks, and the detector did not trip: traffic stays.
        await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(3)).until(() -> "primary".equals(active()));
        assertThat(database("primary").circuitState()).isEqualTo(CircuitState.CLOSED);
        assertThat(recorder.of(ActiveDatabaseChangedEvent.class)).extracting(ActiveDatabaseChangedEvent::reason)
                .containsExactly(SwitchReason.INITIAL);
    }

    @Test
    void aConfiguredDetectorThatTripsFailsOverAndTrafficFallsBackLater() {
        SteeredDetector detector = new SteeredDetector();
        detector.trip = true;
        client = MultiDbClient.create(config().failureDetector(detector).build());

        tripAndCheckFailoverAndFallback(detector);
    }

    @Test
    void aDetectorAddedAtRunTimeThatTripsFailsOverAndTrafficFallsBackLater() {
        client = MultiDbClient.create(config().build());
        SteeredDetector detector = new SteeredDetector();
        detector.trip = true;
        client.addFailureDetector(detector);

        tripAndCheckFailoverAndFallback(detector);
    }

    private void tripAndCheckFailoverAndFallback(SteeredDetector detector) {
        long resetsBefore = detector.tracker("primary").resets.get();

        failOneCommandOn(primary);

        await().atMost(Duration.ofSeconds(5)).until(() -> "secondary".equals(active()));
        assertThat(detector.tracker("primary").failures.get()).isGreaterThanOrEqualTo(1);
        assertThat(recorder.of(ActiveDatabaseChangedEvent.class)).last().satisfies(e -> {
            assertThat(e.oldDatabase().name()).isEqualTo("primary");
            assertThat(e.reason()).isEqualTo(SwitchReason.FAILOVER);
        });
        client.sync().set("k", "during");
        assertThat(secondary.command("GET", "k")).isEqualTo("during");

        // The primary kept passing its health checks: after its grace period its circuit closes
        // (which resets its trackers) and the fallback timer moves traffic back.
        await().atMost(Duration.ofSeconds(10)).until(() -> "primary".equals(active()));
        assertThat(recorder.of(ActiveDatabaseChangedEvent.class)).last()
                .satisfies(e -> assertThat(e.reason()).isEqualTo(SwitchReason.FALLBACK));
        assertThat(detector.tracker("primary").resets.get()).isGreaterThan(resetsBefore);
        client.sync().set("k", "after");
        assertThat(primary.command("GET", "k")).isEqualTo("after");
    }

    /** A tracker is application code: one that throws is logged and skipped, never allowed to hang the commands. */
@Test
    void aTrackerThatThrowsOnSuccessDoesNotBreakTheCommands() {
        client = MultiDbClient.create(Fixtures.twoDatabases(primary.uri(), secondary.uri())
                .failureDetector(database -> new FailureTracker() {
                    @Override
                    public void recordSuccess() {
                        throw new IllegalStateException("a bug in the application's tracker");
                    }

                    @Override
                    public boolean recordFailure(Throwable cause) {
                        throw new IllegalStateException("a bug in the application's tracker");
                    }

                    @Override
                    public void reset() {
                    }
                }).build());

        CompletableFuture<String> set = CompletableFuture.supplyAsync(() -> client.sync().set("k", "v"));
        await().atMost(Duration.ofSeconds(5)).until(set::isDone);
        assertThat(set).isCompletedWithValue("OK");
        assertThat(client.async().get("k").toCompletableFuture()).succeedsWithin(Duration.ofSeconds(5)).isEqualTo("v");
        assertThat(client.pipeline(p -> p.incr("n"))).containsExactly(1L);
    }
}
