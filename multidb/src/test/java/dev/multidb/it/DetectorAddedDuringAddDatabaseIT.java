package dev.multidb.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.multidb.Database;
import dev.multidb.MultiDbClient;
import dev.multidb.MultiDbClusterClient;
import dev.multidb.MultiDbConfig;
import dev.multidb.MultiDbEndpoint;
import dev.multidb.failover.FailoverStrategy;
import dev.multidb.failover.WeightBasedFailoverStrategy;
import dev.multidb.testkit.RedisCluster;
import dev.multidb.testkit.RedisServer;

/**
 * A failure detector added while {@code addDatabase} is under way must still get a tracker for
 * the database being added. The coordinator thread is held (by a failover strategy that waits on
 * a latch) so that the interleaving is certain rather than lucky.
 */
class DetectorAddedDuringAddDatabaseIT {

    private final List<AutoCloseable> toClose = new ArrayList<>();
    private MultiDbEndpoint<String, String> client;

    @AfterEach
    void stop() throws Exception {
        if (client != null) {
            client.close();
        }
        for (AutoCloseable c : toClose) {
            c.close();
        }
    }

    /** The weight-based choice, which holds the thread that asks while {@link #hold} is set. */
    static final class HoldingStrategy implements FailoverStrategy {
        private final FailoverStrategy delegate = new WeightBasedFailoverStrategy();
        volatile CountDownLatch hold;
        final CountDownLatch holding = new CountDownLatch(1);

        @Override
        public Database select(List<? extends Database> databases) {
            CountDownLatch h = hold;
            if (h != null) {
                holding.countDown();
                try {
                    h.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return delegate.select(databases);
        }
    }

    @Test
    void aDetectorAddedWhileADatabaseIsBeingAddedGetsATrackerForIt() throws Exception {
        RedisServer primary = started(RedisServer.start());
        RedisServer secondary = started(RedisServer.start());
        RedisServer third = started(RedisServer.start());
        detectorAddedDuringAddDatabase(primary.uri(), secondary.uri(), third.uri(), MultiDbClient::create);
    }

    @Test
    void theSameHoldsForAClientOfRedisClusters() throws Exception {
        RedisCluster east = started(RedisCluster.start(1));
        RedisCluster west = started(RedisCluster.start(1));
        RedisCluster north = started(RedisCluster.start(1));
        detectorAddedDuringAddDatabase(east.uri(), west.uri(), north.uri(), MultiDbClusterClient::create);
    }

    private <T extends AutoCloseable> T started(T resource) {
        toClose.add(resource);
        return resource;
    }

    private void detectorAddedDuringAddDatabase(String primaryUri, String secondaryUri, String thirdUri,
            Function<MultiDbConfig, MultiDbEndpoint<String, String>> create) throws Exception {
        HoldingStrategy strategy = new HoldingStrategy();
        CustomFailureDetectorIT.SteeredDetector early = new CustomFailureDetectorIT.SteeredDetector();
        client = create.apply(Fixtures.twoDatabases(primaryUri, secondaryUri)
                .failoverStrategy(strategy).failureDetector(early).build());

        // Hold the coordinator in the fallback timer's select().
        CountDownLatch release = new CountDownLatch(1);
        strategy.hold = release;
        assertThat(strategy.holding.await(5, TimeUnit.SECONDS)).isTrue();

        CompletableFuture<Database> adding = CompletableFuture.supplyAsync(() -> client.addDatabase(Fixtures.db("third", thirdUri, 0.1)));
        // addDatabase has built the new database (the early detector got its tracker) and waits for the coordinator.
        await().atMost(Duration.ofSeconds(5)).until(() -> early.trackersCreatedFor.contains("third"));

        CustomFailureDetectorIT.SteeredDetector late = new CustomFailureDetectorIT.SteeredDetector();
        client.addFailureDetector(late);
        strategy.hold = null;
        release.countDown();
        adding.get(10, TimeUnit.SECONDS);

        assertThat(client.databases()).extracting(Database::name).contains("third");
        assertThat(late.trackersCreatedFor).as("databases the late detector has a tracker for")
                .containsExactlyInAnyOrder("primary", "secondary", "third");
    }
}
