package dev.multidb.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.multidb.Database;
import dev.multidb.MultiDbClient;
import dev.multidb.MultiDbEvent;
import dev.multidb.WeightChangedEvent;
import dev.multidb.detect.FailureTracker;
import dev.multidb.failover.ManagedDatabase;
import dev.multidb.failover.WeightBasedFailoverStrategy;
import dev.multidb.testkit.RedisServer;

/**
 * Every database the application is handed (listed, in events, to its failure detectors, health
 * checks and failover strategy) is a read-only view: no cast reaches the runtime whose weight and
 * circuit only the client may change.
 */
class ReadOnlyViewsIT {

    private final RedisServer primary = RedisServer.start();
    private final RedisServer secondary = RedisServer.start();
    private MultiDbClient<String, String> client;

    @AfterEach
    void stop() {
        if (client != null) {
            client.close();
        }
        primary.close();
        secondary.close();
    }

    @Test
    void noDatabaseTheApplicationSeesIsTheMutableRuntime() {
        List<Object> handedOut = new CopyOnWriteArrayList<>();
        List<MultiDbEvent> events = new CopyOnWriteArrayList<>();
        client = MultiDbClient.create(Fixtures.twoDatabases(primary.uri(), secondary.uri())
                .failureDetector(database -> {
                    handedOut.add(database);
                    return new FailureTracker() {
                        @Override
                        public void recordSuccess() {
                        }

                        @Override
                        public boolean recordFailure(Throwable cause) {
                            return false;
                        }

                        @Override
                        public void reset() {
                        }
                    };
                })
                .healthCheck(target -> {
                    handedOut.add(target.database());
                    return CompletableFuture.completedFuture(true);
                })
                .failoverStrategy(databases -> {
                    handedOut.addAll(databases);
                    return new WeightBasedFailoverStrategy().select(databases);
                })
                .listener(MultiDbEvent.class, events::add).build());
        Database primaryDb = client.databases().get(0);
        client.updateDatabaseWeight(primaryDb, 2.0);
        await().atMost(Duration.ofSeconds(5)).until(() -> events.stream().anyMatch(e -> e instanceof WeightChangedEvent));

        handedOut.addAll(client.databases());
        handedOut.add(client.activeDatabase());
        WeightChangedEvent changed = events.stream().filter(WeightChangedEvent.class::isInstance)
                .map(WeightChangedEvent.class::cast).findFirst().orElseThrow();
        handedOut.add(changed.database());

        assertThat(handedOut).hasSizeGreaterThan(5).allMatch(d -> d instanceof Database && !(d instanceof ManagedDatabase));
        // The views are live and stable: the same object each time, showing the current state.
        assertThat(client.databases().get(0)).isSameAs(primaryDb).isSameAs(changed.database());
        assertThat(primaryDb.weight()).isEqualTo(2.0);
    }
}
