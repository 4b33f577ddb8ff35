package dev.multidb.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import io.lettuce.core.ScriptOutputType;

import dev.multidb.ActiveDatabaseChangedEvent;
import dev.multidb.MultiDbClient;
import dev.multidb.MultiDbConfig;
import dev.multidb.MultiDbEvent;
import dev.multidb.circuit.CircuitState;
import dev.multidb.testkit.DeadHost;
import dev.multidb.testkit.RedisServer;

/**
 * A busy server is not a dead one (DESIGN rule 3): a long script on a healthy primary moves no
 * traffic and cuts nothing; a stopped process, which looks the same, is left when the busy budget
 * runs out; a dead host, which acknowledges nothing, is left without waiting for it.
 */
class BusyServerIT {

    /** Keeps the server busy for ARGV[1] ms without answering anyone, as a long script does. */
    private static final String BUSY_SCRIPT = "local t = redis.call('TIME') "
            + "while true do local n = redis.call('TIME') "
            + "if (n[1] - t[1]) * 1000000 + (n[2] - t[2]) > tonumber(ARGV[1]) * 1000 then return 1 end end";

    private final RedisServer primary = RedisServer.start();
    private final RedisServer secondary = RedisServer.start();
    private final List<MultiDbEvent> events = new CopyOnWriteArrayList<>();
    private MultiDbClient<String, String> client;
    private Writer writer;

    @AfterEach
    void stop() throws InterruptedException {
        if (writer != null) {
            writer.close();
        }
        if (client != null) {
            client.close();
        }
        primary.close();
        secondary.close();
    }

    /** SETs in a loop on its own thread, counting successes and errors. */
    private static final class Writer implements AutoCloseable {
        final AtomicLong written = new AtomicLong();
        final List<Throwable> errors = new CopyOnWriteArrayList<>();
        final AtomicBoolean running = new AtomicBoolean(true);
        final Thread thread;

        Writer(MultiDbClient<String, String> client) {
            thread = new Thread(() -> {
                while (running.get()) {
                    try {
                        client.sync().set("w", Long.toString(written.get()));
                        written.incrementAndGet();
                    } catch (RuntimeException e) {
                        errors.add(e);
                    }
                }
            }, "busy-test-writer");
            thread.start();
        }

        void awaitProgress(long beyond) {
            await().atMost(Duration.ofSeconds(15)).until(() -> written.get() > beyond);
        }

        @Override
        public void close() throws InterruptedException {
            running.set(false);
            thread.join(15_000);
        }
    }

    private MultiDbClient<String, String> client(MultiDbConfig.Builder config) {
        return MultiDbClient.create(config.healthCheckInterval(Duration.ofSeconds(5)).autoFallbackInterval(Duration.ZERO)
                .listener(MultiDbEvent.class, events::add).build());
    }

    private List<ActiveDatabaseChangedEvent> switches() {
        return events.stream().filter(e -> e instanceof ActiveDatabaseChangedEvent c && c.oldDatabase() != null)
                .map(ActiveDatabaseChangedEvent.class::cast).toList();
    }

    @Test
    void aTwoSecondScriptOnAHealthyPrimaryUnderAWriterMovesNoTrafficAndFailsNoCall() {
        // A command timeout above the script's time: the writer's SETs wait behind it, as on a plain connection.
        client = client(Fixtures.twoDatabases(primary.uri(), secondary.uri()).commandTimeout(Duration.ofSeconds(5)));
        writer = new Writer(client);
        writer.awaitProgress(50);

        Object reply = client.sync().eval(BUSY_SCRIPT, ScriptOutputType.INTEGER, new String[0], "2000");

        assertThat(reply).isEqualTo(1L);
        writer.awaitProgress(writer.written.get() + 50);
        assertThat(switches()).isEmpty();
        assertThat(writer.errors).isEmpty();
        assertThat(client.databases().get(0).circuitState()).isEqualTo(CircuitState.CLOSED);
        assertThat(secondary.command("EXISTS", "w")).isEqualTo("0");
    }

    @Test
    void withDefaultSettingsATwoSecondScriptMovesNoTraffic() {
        client = client(Fixtures.twoDatabases(primary.uri(), secondary.uri()));
        writer = new Writer(client);
        writer.awaitProgress(50);

        CompletableFuture<Object> script = CompletableFuture.supplyAsync(
                () -> primary.command(Duration.ofSeconds(10), "EVAL", BUSY_SCRIPT, "0", "2000"));
        await().atMost(Duration.ofSeconds(10)).until(script::isDone);
        writer.awaitProgress(writer.written.get() + 50);

        // Its SETs timed out behind the script (1 s command timeout) but traffic stayed on the primary.
        assertThat(switches()).isEmpty();
        assertThat(client.databases().get(0).circuitState()).isEqualTo(CircuitState.CLOSED);
    }

    @Test
    void leavingABusyDatabaseDrainsTheCommandRunningThereInsteadOfCuttingIt() {
        client = client(Fixtures.twoDatabases(primary.uri(), secondary.uri())
                .commandTimeout(Duration.ofSeconds(10)).busyBudget(Duration.ofMillis(500)));
        writer = new Writer(client);
        writer.awaitProgress(50);

        // Longer than the budget: traffic moves to the secondary while the script still runs on the primary.
        Object reply = client.sync().eval(BUSY_SCRIPT, ScriptOutputType.INTEGER, new String[0], "3000");

        assertThat(reply).isEqualTo(1L); // the script's caller got its reply: nothing was cut
        assertThat(switches()).isNotEmpty().allMatch(e -> e.newDatabase().name().equals("secondary"));
        writer.awaitProgress(writer.written.get() + 50);
    }

    @Test
    void aStoppedProcessLooksBusyAndIsLeftWhenTheBudgetRunsOut() {
        client = client(Fixtures.twoDatabases(primary.uri(), secondary.uri()).busyBudget(Duration.ofMillis(500)));
        writer = new Writer(client);
        writer.awaitProgress(50);

        primary.freeze();
        try {
            await().atMost(Duration.ofSeconds(10)).until(() -> "secondary".equals(client.activeDatabase().name()));
            assertThat(client.status().databases().get(0).lastFailure()).contains("busy budget");
            writer.awaitProgress(writer.written.get() + 50);
        } finally {
            primary.thaw();
        }
    }

    @Test
    void aDeadHostIsLeftWithoutWaitingForTheBusyBudget() {
        String why = DeadHost.unavailableReason();
        Assumptions.assumeTrue(why == null, () -> "skipped: " + why);
        // A budget far longer than the wait below: leaving within it proves the host was not taken for busy.
        client = client(Fixtures.twoDatabases(primary.uri(), secondary.uri()).busyBudget(Duration.ofSeconds(60)));
        writer = new Writer(client);
        writer.awaitProgress(50);

        try (DeadHost dead = DeadHost.dropPacketsFrom(primary.port())) {
            await().atMost(Duration.ofSeconds(10)).until(() -> "secondary".equals(client.activeDatabase().name()));
            writer.awaitProgress(writer.written.get() + 50);
            assertThat(client.status().databases().get(0).lastFailure()).doesNotContain("busy");
        }
    }
}
