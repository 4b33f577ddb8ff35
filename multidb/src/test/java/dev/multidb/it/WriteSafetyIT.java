package dev.multidb.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.HashSet;
import java.util.Set;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.multidb.MultiDbClient;
import dev.multidb.OutcomeUnknownException;
import dev.multidb.RetryPolicy;
import dev.multidb.testkit.FaultProxy;
import dev.multidb.testkit.RedisServer;

/** DESIGN rule 4: a retry never applies a non-idempotent write twice. */
class WriteSafetyIT {

    private final RedisServer server = RedisServer.start();
    private final RedisServer other = RedisServer.start();
    private final FaultProxy proxy = FaultProxy.start(server.host(), server.port());
    private MultiDbClient<String, String> client;

    @AfterEach
    void stop() {
        if (client != null) {
            client.close();
        }
        proxy.close();
        server.close();
        other.close();
    }

    @Test
    void incrAcrossConnectionResetsIsNeverAppliedTwice() {
        // Traffic may move to the other database and back: its counter starts a million higher,
        // so every acknowledged value still names the one write that produced it.
        other.command("SET", "counter", "1000000");
        client = MultiDbClient.create(Fixtures.twoDatabases(proxy.uri(), other.uri()).build());
        long acknowledged = 0;
        long unknown = 0;
        Set<Long> seen = new HashSet<>();
        for (int i = 0; i < 3000; i++) {
            if (i % 300 == 150) {
                proxy.resetConnections();
            }
            try {
                long value = client.sync().incr("counter");
                acknowledged++;
                assertThat(seen.add(value)).as("INCR reply %d seen twice", value).isTrue();
            } catch (OutcomeUnknownException e) {
                unknown++;
            } catch (RuntimeException e) {
                // Not sent at all (the connection was gone, or traffic was elsewhere): applied nowhere.
            }
        }
        long appliedPrimary = Long.parseLong(orZero(server.command("GET", "counter")));
        long appliedOther = Long.parseLong(other.command("GET", "counter")) - 1_000_000;
        long applied = appliedPrimary + appliedOther;
        assertThat(applied).as("applied (%d) >= acknowledged (%d)", applied, acknowledged).isGreaterThanOrEqualTo(acknowledged);
        assertThat(applied).as("applied <= acknowledged + unknown (%d)", unknown).isLessThanOrEqualTo(acknowledged + unknown);
        assertThat(acknowledged).isGreaterThan(2000);
    }

    @Test
    void idempotentWritesAndReadsAreRetriedAcrossAReset() {
        client = MultiDbClient.create(Fixtures.twoDatabases(proxy.uri(), other.uri()).build());
        client.sync().set("k", "v");
        for (int i = 0; i < 20; i++) {
            proxy.resetConnections();
            assertThat(client.sync().get("k")).isIn("v", null);
            client.sync().set("k", "v");
        }
    }

    @Test
    void retryPolicyAlwaysRetriesEvenUnsafeCommands() {
        client = MultiDbClient.create(Fixtures.twoDatabases(proxy.uri(), other.uri()).retryPolicy(RetryPolicy.ALWAYS).build());
        int failures = 0;
        for (int i = 0; i < 200; i++) {
            if (i % 20 == 10) {
                proxy.resetConnections();
            }
            try {
                client.sync().incr("always");
            } catch (RuntimeException e) {
                failures++;
            }
        }
        assertThat(failures).isZero();
    }

    @Test
    void outcomeUnknownNamesTheCommandAndTheDatabase() {
        client = MultiDbClient.create(Fixtures.twoDatabases(proxy.uri(), other.uri())
                .commandTimeout(Duration.ofMillis(300)).build());
        client.sync().incr("c");
        proxy.blackhole(true);
        OutcomeUnknownException error = null;
        try {
            client.sync().incr("c");
        } catch (OutcomeUnknownException e) {
            error = e;
        }
        assertThat(error).isNotNull();
        assertThat(error.command()).isEqualTo("INCR");
        assertThat(error.database()).isEqualTo("primary");
        assertThat(error).hasMessageContaining("INCR may or may not have been applied");
        proxy.heal();
        await().atMost(Duration.ofSeconds(10)).ignoreExceptions().until(() -> client.sync().incr("c") > 0);
    }

    private static String orZero(String value) {
        return value == null ? "0" : value;
    }
}
