package dev.multidb.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;

import org.junit.jupiter.api.Test;

import picocli.CommandLine;

/** Runs {@code multidb demo} end to end against real redis-servers, and checks its option handling. */
class DemoCommandTest {

    @Test
    void shortDemoFailsOverAndPrintsTheTimeline() {
        Run run = run("demo", "--duration", "8s", "--fault-at", "2s", "--outage", "2s");

        assertThat(run.exitCode).as(run.out + run.err).isZero();
        assertThat(run.out)
                .contains(">>> active database changed: primary -> secondary (FAILOVER")
                .contains("!!! fault: kill primary")
                .contains("+++ heal: restart primary")
                .contains("Closing timeline")
                .contains("failover: primary -> secondary")
                .contains("time to fail over:")
                .contains("Result: OK");
    }

    @Test
    void unknownFaultIsAUsageError() {
        Run run = run("demo", "--fault", "nope");

        assertThat(run.exitCode).isEqualTo(2);
        assertThat(run.err).contains("'nope' is not a fault").contains("Usage: multidb demo");
        assertThat(run.out).isEmpty();
    }

    @Test
    void anUnmatchedUrlArgumentIsEchoedMasked() {
        Run run = run("demo", "redis://:pw@h");

        assertThat(run.exitCode).isEqualTo(2);
        assertThat(run.err).contains("Unmatched argument", "'redis://***@h'", "Usage: multidb demo").doesNotContain("pw");
    }

    @Test
    void faultAfterTheEndIsAUsageError() {
        Run run = run("demo", "--duration", "3s", "--fault-at", "5s");

        assertThat(run.exitCode).isEqualTo(2);
        assertThat(run.err).contains("--fault-at").contains("Usage: multidb demo");
    }

    @Test
    void helpExplainsTheOptions() {
        Run top = run("--help");
        Run demo = run("demo", "--help");

        assertThat(top.exitCode).isZero();
        assertThat(top.out).contains("Usage: multidb").contains("demo");
        assertThat(demo.exitCode).isZero();
        assertThat(demo.out).contains("--duration", "--fault", "--fault-at", "--outage", "--fallback-interval", "--grace",
                "kill", "freeze", "blackhole");
    }

    @Test
    void durationsAcceptShortFormsAndIso8601() {
        DurationConverter converter = new DurationConverter();

        assertThat(converter.convert("8s")).isEqualTo(Duration.ofSeconds(8));
        assertThat(converter.convert("8")).isEqualTo(Duration.ofSeconds(8));
        assertThat(converter.convert("500ms")).isEqualTo(Duration.ofMillis(500));
        assertThat(converter.convert("1.5s")).isEqualTo(Duration.ofMillis(1500));
        assertThat(converter.convert("2m")).isEqualTo(Duration.ofMinutes(2));
        assertThat(converter.convert("PT8S")).isEqualTo(Duration.ofSeconds(8));
    }

    private static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = Main.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        int exitCode = cli.execute(args);
        return new Run(exitCode, out.toString(), err.toString());
    }

    private record Run(int exitCode, String out, String err) {
    }
}
