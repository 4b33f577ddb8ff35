package dev.multidb.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.ScriptOutputType;

import dev.multidb.CommandFailedEvent;
import dev.multidb.Database;
import dev.multidb.MultiDbClient;
import dev.multidb.OutcomeUnknownException;
import dev.multidb.RetryPolicy;
import dev.multidb.TransactionAbortedException;
import dev.multidb.WatchConflictException;
import dev.multidb.detect.FailureTracker;
import dev.multidb.testkit.RedisServer;

/**
 * The attempt executor's decisions as single commands, pipelines and transactions see them: one
 * test per defect found at the edges (issue 11), each of which failed before the executor existed.
 */
class AttemptPathIT {

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

    /** Counts what the client feeds the failure detectors, per database name. */
    static final class CountingDetector {
        final AtomicLong primaryFailures = new AtomicLong();
        final AtomicLong primarySuccesses = new AtomicLong();

        FailureTracker trackerFor(Database database) {
            boolean isPrimary = database.name().equals("primary");
            return new FailureTracker() {
                @Override
                public void recordSuccess() {
                    if (isPrimary) {
                        primarySuccesses.incrementAndGet();
                    }
                }

                @Override
                public boolean recordFailure(Throwable cause) {
                    if (isPrimary) {
                        primaryFailures.incrementAndGet();
                    }
                    return false;
                }

                @Override
                public void reset() {
                }
            };
        }
    }

    @Test
    void aRefusedCommandIsSentAgainUntilTheDatabaseServesIt() {
        org.junit.jupiter.api.Assumptions.assumeTrue(RedisServer.supportsRedis7(), "on Redis 6.2 a stale replica"
                + " answers the health check's ECHO with MASTERDOWN too, so the client fails over instead of waiting");
        Fixtures.Recorder recorder = new Fixtures.Recorder();
        client = MultiDbClient.create(Fixtures.twoDatabases(primary.uri(), secondary.uri())
                .listener(CommandFailedEvent.class, recorder.events::add).build());
        // A replica whose master is gone and that must not serve stale data refuses every data
        // command with MASTERDOWN, without running it, while it still answers health checks.
        primary.command("CONFIG", "SET", "replica-serve-stale-data", "no");
        primary.command("CONFIG", "SET", "replica-read-only", "no");
        primary.command("REPLICAOF", "127.0.0.1", "1");

        CompletableFuture<Long> incr = client.async().incr("refused").toCompletableFuture();
        await().atMost(Duration.ofSeconds(5)).until(() -> !recorder.of(CommandFailedEvent.class).isEmpty());
        primary.command("REPLICAOF", "NO", "ONE");

        assertThat(incr.join()).isEqualTo(1L); // INCR is not idempotent: run exactly once, after the refusals
        CommandFailedEvent refusal = recorder.of(CommandFailedEvent.class).get(0);
        assertThat(refusal.command()).isEqualTo("INCR");
        assertThat(refusal.error()).hasMessageStartingWith("MASTERDOWN");
        assertThat(refusal.willRetry()).isTrue();
        assertThat(primary.command("GET", "refused")).isEqualTo("1");
    }

    @Test
    void aScriptThatWroteAndThenAnsweredLikeARefusalIsNotRunAgain() {
        client = MultiDbClient.create(Fixtures.twoDatabases(primary.uri(), secondary.uri()).build());
        String script = "redis.call('INCR', KEYS[1]); return redis.error_reply('LOADING pretending to load')";

        assertThatThrownBy(() -> client.sync().eval(script, ScriptOutputType.STATUS, "ran"))
                .isInstanceOf(RedisCommandExecutionException.class).hasMessageContaining("LOADING pretending to load");
        assertThat(primary.command("GET", "ran")).isEqualTo("1");
    }

    @Test
    void aWatchConflictDoesNotRepeatWritesTheCallbackSentBeforeMulti() {
        client = MultiDbClient.create(Fixtures.twoDatabases(primary.uri(), secondary.uri()).build());
        AtomicInteger runs = new AtomicInteger();

        assertThatThrownBy(() -> client.transaction(tx -> {
            runs.incrementAndGet();
            tx.incr("audit"); // runs at once: it is not queued
            primary.command("SET", "balance", "changed-" + runs.get()); // another client changes the watched key
            tx.multi();
            tx.set("balance", "mine");
        }, "balance")).isInstanceOf(WatchConflictException.class).hasMessageContaining("INCR");

        assertThat(runs).hasValue(1);
        assertThat(primary.command("GET", "audit")).isEqualTo("1");
        assertThat(primary.command("GET", "balance")).isEqualTo("changed-1");
    }

    @Test
    void aSwitchBeforeExecDoesNotRerunTheCallbackUnderRetryPolicyNever() {
        client = MultiDbClient.create(Fixtures.twoDatabases(primary.uri(), secondary.uri())
                .retryPolicy(RetryPolicy.NEVER).build());
        Database secondaryDb = client.databases().get(1);
        AtomicInteger runs = new AtomicInteger();

        assertThatThrownBy(() -> client.transaction(tx -> {
            runs.incrementAndGet();
            tx.multi();
            tx.set("k", "v");
            client.setActiveDatabase(secondaryDb); // traffic moves before EXEC
        }, "k")).isInstanceOf(TransactionAbortedException.class).hasMessageContaining("NEVER");

        assertThat(runs).hasValue(1);
        assertThat(primary.command("EXISTS", "k")).isEqualTo("0");
        assertThat(secondary.command("EXISTS", "k")).isEqualTo("0");
    }

    @Test
    void aSwitchBeforeExecRerunsACallbackThatOnlyReadOnTheNewDatabase() {
        client = MultiDbClient.create(Fixtures.twoDatabases(primary.uri(), secondary.uri()).build());
        Database secondaryDb = client.databases().get(1);
        AtomicInteger runs = new AtomicInteger();

        client.transaction(tx -> {
            if (runs.incrementAndGet() == 1) {
                client.setActiveDatabase(secondaryDb);
            }
            tx.get("k");
            tx.multi();
            tx.set("k", "v");
        }, "k");

        assertThat(runs).hasValue(2);
        assertThat(primary.command("EXISTS", "k")).isEqualTo("0");
        assertThat(secondary.command("GET", "k")).isEqualTo("v");
    }

    @Test
    void everyFailedCommandOfAPipelineIsReportedAndCounted() {
        CountingDetector detector = new CountingDetector();
        Fixtures.Recorder recorder = new Fixtures.Recorder();
        client = MultiDbClient.create(Fixtures.twoDatabases(primary.uri(), secondary.uri())
                .commandTimeout(Duration.ofMillis(500))
                .retryPolicy(RetryPolicy.IDEMPOTENT) // SET cut off by a freeze is resent
                .failureDetector(detector::trackerFor)
                .listener(CommandFailedEvent.class, recorder.events::add).build());

        primary.freeze();
        try {
            List<Object> replies = client.pipeline(p -> {
                for (int i = 0; i < 20; i++) {
                    p.set("p" + i, "v");
                }
            });
            assertThat(replies).hasSize(20).allMatch("OK"::equals); // SET is idempotent: resent on the secondary
        } finally {
            primary.thaw();
        }
        List<CommandFailedEvent> onPrimary = recorder.of(CommandFailedEvent.class).stream()
                .filter(e -> e.database().name().equals("primary")).toList();
        // Every round sent to the primary failed whole: each of its 20 commands is one event and one detector failure.
        assertThat(onPrimary).isNotEmpty().allMatch(e -> e.command().equals("SET") && e.willRetry());
        assertThat(onPrimary.size() % 20).isZero();
        assertThat(detector.primaryFailures).hasValue(onPrimary.size());
        assertThat(secondary.command("GET", "p19")).isEqualTo("v");
    }

    @Test
    void aTransactionThatRanCountsAsASuccessForTheFailureDetectors() {
        CountingDetector detector = new CountingDetector();
        client = MultiDbClient.create(Fixtures.twoDatabases(primary.uri(), secondary.uri())
                .failureDetector(detector::trackerFor).build());
        long before = detector.primarySuccesses.get();

        client.transaction(tx -> tx.set("t", "1"));

        assertThat(detector.primarySuccesses.get()).isGreaterThan(before);
        assertThat(primary.command("GET", "t")).isEqualTo("1");
    }

    @Test
    void withRetryPolicyNeverAFailedPipelineCommandGetsTheErrorItself() {
        client = MultiDbClient.create(Fixtures.twoDatabases(primary.uri(), secondary.uri())
                .commandTimeout(Duration.ofMillis(300)).retryPolicy(RetryPolicy.NEVER).build());
        primary.freeze();
        try {
            // NEVER hands every connection error or timeout to the caller as it is, as single commands do.
            assertThatThrownBy(() -> client.pipeline(p -> p.incr("n")))
                    .isNotInstanceOf(OutcomeUnknownException.class);
        } finally {
            primary.thaw();
        }
    }
}
