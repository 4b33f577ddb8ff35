package dev.multidb.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.multidb.ActiveDatabaseChangedEvent;
import dev.multidb.HealthStatusChangedEvent;
import dev.multidb.MultiDbClient;
import dev.multidb.MultiDbEvent;
import dev.multidb.health.HealthCheck;
import dev.multidb.health.HealthCheckTarget;
import dev.multidb.testkit.FaultProxy;
import dev.multidb.testkit.RedisServer;

/**
 * Connections reset on a healthy server (a proxy or load balancer restarting, a NAT table flushed) are not the
 * database failing: a health probe whose connection is reset under it is judged again on a fresh connection. Found
 * by the chaos soak: a reset that hit a probe in flight failed it with "Connection reset by peer" while Lettuce had
 * not yet closed the connection, so the probe was not repeated and traffic failed over from a healthy database.
 */
class ConnectionResetIT {

    private static final int RESETS = 20;

    private final RedisServer primary = RedisServer.start();
    private final RedisServer secondary = RedisServer.start();
    private final FaultProxy proxy = FaultProxy.start(primary.host(), primary.port());
    private final Fixtures.Recorder recorder = new Fixtures.Recorder();
    private MultiDbClient<String, String> client;

    @AfterEach
    void stop() {
        if (client != null) {
            client.close();
        }
        proxy.close();
        primary.close();
        secondary.close();
    }

    @Test
    void connectionsResetUnderHealthProbesInFlightMoveNoTraffic() {
        // Latency keeps a probe in flight most of the time (a 200 ms round trip every 200 ms), so the resets land
        // on probes waiting for their answer.
        proxy.setLatency(Duration.ofMillis(100));
        AtomicLong primaryPasses = new AtomicLong();
        HealthCheck countingEcho = new HealthCheck() {
            @Override
            public CompletionStage<Boolean> check(HealthCheckTarget target) {
                return target.commands().echo("probe").thenApply(echo -> {
                    if (target.database().name().equals("primary")) {
                        primaryPasses.incrementAndGet();
                    }
                    return "probe".equals(echo);
                });
            }
        };
        client = MultiDbClient.create(Fixtures.twoDatabases(proxy.uri(), secondary.uri()).healthCheck(countingEcho).build());
        client.addListener(MultiDbEvent.class, recorder.events::add);
        assertThat(client.activeDatabase().name()).isEqualTo("primary");

        for (int i = 0; i < RESETS; i++) {
            await().atMost(Duration.ofSeconds(5)).until(() -> proxy.activeConnections() > 0);
            proxy.resetConnections();
            long before = primaryPasses.get();
            // One reset at a time, not a storm: the next comes once the probes in flight at this one have been
            // repeated on the new connection (they are first in its queue) and a few more have passed behind them.
            await().atMost(Duration.ofSeconds(5)).until(() -> primaryPasses.get() > before + 5);
        }

        assertThat(recorder.of(ActiveDatabaseChangedEvent.class)).as("no switch").isEmpty();
        assertThat(recorder.of(HealthStatusChangedEvent.class)).as("the primary never judged unhealthy").isEmpty();
        assertThat(client.activeDatabase().name()).isEqualTo("primary");
        client.sync().set("after", "resets");
        assertThat(primary.command("GET", "after")).isEqualTo("resets");
    }

}
