package dev.multidb.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.multidb.testkit.RedisServer;

/**
 * {@code multidb status} as a user runs it: a separate process against real redis-servers,
 * judged by its exit code and its output.
 */
class StatusCommandTest {

    /** Two servers that stay up for every test; tests that need a dead one start and kill their own. */
    private static RedisServer east;
    private static RedisServer west;

    @BeforeAll
    static void startServers() {
        east = RedisServer.start();
        west = RedisServer.start();
    }

    @AfterAll
    static void stopServers() {
        if (east != null) {
            east.close();
        }
        if (west != null) {
            west.close();
        }
    }

    @Test
    void twoHealthyDatabasesExitZeroAndTheHeavierIsActive() {
        CliProcess.Result run = CliProcess.run("status", east.uri() + "#name=east", west.uri() + "#weight=0.5&name=west");

        assertThat(run.exitCode()).as(run.all()).isZero();
        assertThat(run.out())
                .contains("Active: east (highest weight among the healthy databases)")
                .containsPattern("(?m)^  \\*  east +redis://127\\.0\\.0\\.1:" + east.port() + " +1\\.00  yes +[0-9.]+ ms  CLOSED")
                .containsPattern("(?m)^     west +redis://127\\.0\\.0\\.1:" + west.port() + " +0\\.50  yes +[0-9.]+ ms  CLOSED");
    }

    @Test
    void aKilledDatabaseIsShownUnreachableAndTheOtherTakesOver() {
        try (RedisServer primary = RedisServer.start()) {
            primary.kill();

            CliProcess.Result run = CliProcess.run("status", primary.uri() + "#name=primary", west.uri() + "#weight=0.5&name=secondary");

            assertThat(run.exitCode()).as(run.all()).isZero();
            assertThat(run.out())
                    .contains("Active: secondary (highest weight among the usable databases; primary (weight 1.00) unreachable: ")
                    .containsPattern("(?m)^     primary +redis://127\\.0\\.0\\.1:" + primary.port() + " +1\\.00  no +-  HALF_OPEN  \\S")
                    .containsPattern("(?m)^  \\*  secondary .* yes ");
        }
    }

    @Test
    void noDatabaseUsableExitsOneAndSaysWhy() {
        try (RedisServer a = RedisServer.start(); RedisServer b = RedisServer.start()) {
            a.kill();
            b.kill();

            CliProcess.Result run = CliProcess.run("status", a.uri() + "#name=a", b.uri() + "#name=b&weight=0.5");

            assertThat(run.exitCode()).as(run.all()).isEqualTo(1);
            assertThat(run.err()).contains("no database is usable");
            assertThat(run.out())
                    .contains("Active: none (no database is usable)")
                    .containsPattern("(?m)^ +a +redis://127\\.0\\.0\\.1:" + a.port() + " .* no .*Unable to connect")
                    .containsPattern("(?m)^ +b +redis://127\\.0\\.0\\.1:" + b.port() + " .* no .*Unable to connect");
        }
    }

    @Test
    void badArgumentsAreUsageErrorsNamingTheBadValue() {
        CliProcess.Result notAUrl = CliProcess.run("status", "not-a-url");
        CliProcess.Result nothing = CliProcess.run("status");
        CliProcess.Result badWeight = CliProcess.run("status", "redis://h:1#weight=abc");

        assertThat(notAUrl.exitCode()).as(notAUrl.all()).isEqualTo(2);
        assertThat(notAUrl.err()).contains("'not-a-url'", "redis://", "Usage: multidb status");
        assertThat(nothing.exitCode()).as(nothing.all()).isEqualTo(2);
        assertThat(nothing.err()).contains("missing databases", "Usage: multidb status");
        assertThat(badWeight.exitCode()).as(badWeight.all()).isEqualTo(2);
        assertThat(badWeight.err()).contains("weight 'abc' is not a number", "Usage: multidb status");
        assertThat(notAUrl.out() + nothing.out() + badWeight.out()).isEmpty();
    }

    @Test
    void aNonNumericPortIsAUsageErrorNotAnUnreachableDatabase() {
        CliProcess.Result run = CliProcess.run("status", "redis://:s3cret@127.0.0.1:notaport");

        assertThat(run.exitCode()).as(run.all()).isEqualTo(2);
        assertThat(run.err()).contains("port 'notaport'", "Usage: multidb status");
        assertThat(run.all()).doesNotContain("s3cret");
        assertThat(run.out()).isEmpty();
    }

    @Test
    void passwordsAreNeverPrinted() {
        try (RedisServer down = RedisServer.start()) {
            down.kill();
            String secret = "redis://:s3cret@127.0.0.1:";

            CliProcess.Result allDown = CliProcess.run("status", secret + down.port());
            CliProcess.Result json = CliProcess.run("status", "--json", secret + down.port(), secret + east.port() + "#weight=0.5");
            CliProcess.Result usage = CliProcess.run("status", secret + down.port() + "#weight=abc");

            assertThat(allDown.exitCode()).as(allDown.all()).isEqualTo(1);
            assertThat(allDown.out()).contains("redis://:***@127.0.0.1:" + down.port());
            assertThat(json.out()).contains("redis://:***@127.0.0.1:" + east.port());
            assertThat(usage.exitCode()).as(usage.all()).isEqualTo(2);
            for (CliProcess.Result run : new CliProcess.Result[] {allDown, json, usage}) {
                assertThat(run.all()).doesNotContain("s3cret");
            }
        }
    }

    @Test
    void unparsableUrlsAreUsageErrorsThatNeverQuoteThePassword() {
        CliProcess.Result space = CliProcess.run("status", "redis://u:s3cr et@h");
        CliProcess.Result hash = CliProcess.run("status", "redis://:s3cr#et@h");

        assertThat(space.exitCode()).as(space.all()).isEqualTo(2);
        assertThat(space.err()).contains("'redis://***@h'", "Illegal character");
        assertThat(hash.exitCode()).as(hash.all()).isEqualTo(2);
        assertThat(hash.err()).contains("%23");
        assertThat(space.all() + hash.all()).doesNotContain("s3cr", "et@h");
    }

    @Test
    void jsonIsOneParsableObject() throws IOException {
        CliProcess.Result run = CliProcess.run("status", "--json", east.uri() + "#name=east", west.uri() + "#weight=0.5&name=west");

        assertThat(run.exitCode()).as(run.all()).isZero();
        assertThat(run.out()).startsWith("{").contains("\"active\"");
        // Jackson comes with the library (its REST health check), so it is on this class path anyway.
        JsonNode json = new ObjectMapper().readTree(run.out());
        assertThat(json.get("active").asText()).isEqualTo("east");
        assertThat(json.get("databases")).hasSize(2);
        assertThat(json.get("databases").get(1).get("weight").asDouble()).isEqualTo(0.5);
    }

    @Test
    void configFileNamesTheDatabasesAndABadKeyIsAUsageError(@TempDir Path dir) throws IOException {
        Path good = Files.writeString(dir.resolve("good.properties"), String.join("\n",
                "databases=east,west",
                "east.url=" + east.uri(),
                "west.url=" + west.uri(),
                "west.weight=2",
                "healthCheckTimeout=1s"));
        Path bad = Files.writeString(dir.resolve("bad.properties"), String.join("\n",
                "databases=east",
                "east.url=" + east.uri(),
                "east.wieght=2"));

        CliProcess.Result goodRun = CliProcess.run("status", "--config", good.toString());
        CliProcess.Result badRun = CliProcess.run("status", "--config", bad.toString());

        assertThat(goodRun.exitCode()).as(goodRun.all()).isZero();
        assertThat(goodRun.out()).contains("Active: west (highest weight among the healthy databases)");
        assertThat(badRun.exitCode()).as(badRun.all()).isEqualTo(2);
        assertThat(badRun.err()).contains("'east.wieght' is not a database setting", "Usage: multidb status");
    }

    @Test
    void helpDocumentsTheUrlFragmentAndTheConfigFile() {
        CliProcess.Result run = CliProcess.run("status", "--help");

        assertThat(run.exitCode()).isZero();
        assertThat(run.out()).contains("#weight=0.5&name=east", "databases=east,west", "east.url=", "--json", "--timeout",
                "Exit codes");
    }
}
