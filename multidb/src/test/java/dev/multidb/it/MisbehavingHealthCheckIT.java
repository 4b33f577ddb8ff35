package dev.multidb.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.multidb.Database;
import dev.multidb.MultiDbClient;
import dev.multidb.testkit.RedisServer;

/**
 * A user's health check that throws or never answers is a failed check, not a broken client:
 * traffic leaves the database, checking goes on, and traffic comes back once the check answers.
 */
class MisbehavingHealthCheckIT {

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

    private String active() {
        Database db = client.activeDatabase();
        return db == null ? null : db.name();
    }

    @Test
    void aCheckThatThrowsIsAFailedCheckAndCheckingGoesOn() {
        AtomicBoolean throwing = new AtomicBoolean();
        AtomicInteger calls = new AtomicInteger();
        client = MultiDbClient.create(Fixtures.twoDatabases(primary.uri(), secondary.uri())
                .healthCheck(target -> {
                    if (target.database().name().equals("primary")) {
                        calls.incrementAndGet();
                        if (throwing.get()) {
                            throw new IllegalStateException("a bug in the application's check");
                        }
                    }
                    return CompletableFuture.completedFuture(true);
                }).build());

        throwing.set(true);
        await().atMost(Duration.ofSeconds(5)).until(() -> "secondary".equals(active()));
        int afterFailover = calls.get();
        // The checks go on (and keep throwing) without breaking the client.
        await().atMost(Duration.ofSeconds(5)).until(() -> calls.get() >= afterFailover + 3);
        client.sync().set("k", "v");
        assertThat(secondary.command("GET", "k")).isEqualTo("v");

        throwing.set(false);
        await().atMost(Duration.ofSeconds(10)).until(() -> "primary".equals(active()));
    }

    @Test
    void aCheckThatNeverAnswersTimesOutAsAFailedCheck() {
        AtomicBoolean silent = new AtomicBoolean();
        client = MultiDbClient.create(Fixtures.twoDatabases(primary.uri(), secondary.uri())
                .healthCheckTimeout(Duration.ofMillis(200))
                .healthCheck(target -> target.database().name().equals("primary") && silent.get()
                        ? new CompletableFuture<>() : CompletableFuture.completedFuture(true)).build());

        silent.set(true);
        await().atMost(Duration.ofSeconds(5)).until(() -> "secondary".equals(active()));
        silent.set(false);
        await().atMost(Duration.ofSeconds(10)).until(() -> "primary".equals(active()));
    }
}
