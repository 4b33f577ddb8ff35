package dev.multidb.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import dev.multidb.testkit.RedisServer;

/** {@code multidb watch} as a user runs it: a separate process, a server killed while it watches. */
class WatchCommandTest {

    private static final String TABLE_HEADER = "multidb watch ";

    @Test
    void showsSuccessiveTablesAndAnEventLineWhenADatabaseDies() throws InterruptedException {
        try (RedisServer primary = RedisServer.start(); RedisServer secondary = RedisServer.start();
                CliProcess watch = CliProcess.start("watch", "--interval", "500ms", "--duration", "3s",
                        primary.uri() + "#name=primary", secondary.uri() + "#weight=0.5&name=secondary")) {
            assertThat(watch.awaitOutput(TABLE_HEADER, CliProcess.DEFAULT_TIMEOUT)).as("first table").isTrue();

            primary.kill();
            CliProcess.Result run = watch.waitFor(CliProcess.DEFAULT_TIMEOUT);

            assertThat(run.exitCode()).as(run.all()).isZero();
            assertThat(count(run.out(), TABLE_HEADER)).as(run.out()).isGreaterThanOrEqualTo(2);
            assertThat(run.out())
                    .containsPattern("(?m)^\\d\\d:\\d\\d:\\d\\d\\.\\d{3} HealthStatusChanged +primary \\(redis://127\\.0\\.0\\.1:"
                            + primary.port() + "\\) unhealthy: ")
                    .containsPattern("(?m)^\\d\\d:\\d\\d:\\d\\d\\.\\d{3} ActiveDatabaseChanged +primary -> secondary \\(FAILOVER\\)")
                    .contains("Active: secondary (highest weight among the usable databases; primary (weight 1.00) unreachable");
            // Not a terminal: nothing is cleared, every table stays in the log.
            assertThat(run.out()).doesNotContain("\033[2J");
        }
    }

    @Test
    void badIntervalIsAUsageError() {
        CliProcess.Result run = CliProcess.run("watch", "--interval", "soon", "redis://127.0.0.1:1");

        assertThat(run.exitCode()).as(run.all()).isEqualTo(2);
        assertThat(run.err()).contains("'soon' is not a duration", "Usage: multidb watch");
    }

    private static int count(String text, String needle) {
        Matcher m = Pattern.compile(Pattern.quote(needle)).matcher(text);
        int n = 0;
        while (m.find()) {
            n++;
        }
        return n;
    }
}
