package dev.multidb.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * {@code multidb} run as a user runs it: a separate JVM with its own stdout, stderr and exit
 * code, on the test's class path. Output is collected while the process runs, so a test can wait
 * for a line before acting (killing a server during a watch). Every wait is bounded, and
 * {@link #close()} kills the process if it is still alive.
 */
final class CliProcess implements AutoCloseable {

    /** Generous: a cold JVM plus Lettuce on a busy two-core machine, far from a real hang. */
    static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);

    /** The result of a finished run. */
    record Result(int exitCode, String out, String err) {
        /** Both streams, for assertion messages and for "never printed" checks. */
        String all() {
            return "--- stdout:\n" + out + "--- stderr:\n" + err;
        }
    }

    private final Process process;
    private final StringBuffer out = new StringBuffer();
    private final StringBuffer err = new StringBuffer();
    private final Thread outReader;
    private final Thread errReader;

    private CliProcess(Process process) {
        this.process = process;
        this.outReader = pump(process.getInputStream(), out, "cli-stdout");
        this.errReader = pump(process.getErrorStream(), err, "cli-stderr");
    }

    static CliProcess start(String... args) {
        List<String> command = new ArrayList<>(List.of(
                System.getProperty("java.home") + "/bin/java",
                // Startup flags only: many short JVMs on a shared machine; behaviour is unchanged.
                "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
                "-cp", System.getProperty("java.class.path"),
                "dev.multidb.cli.Main"));
        command.addAll(List.of(args));
        try {
            return new CliProcess(new ProcessBuilder(command).start());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Runs {@code multidb args} to the end (at most {@link #DEFAULT_TIMEOUT}). */
    static Result run(String... args) {
        try (CliProcess cli = start(args)) {
            return cli.waitFor(DEFAULT_TIMEOUT);
        }
    }

    /** Waits until stdout contains {@code text}; false if the process ended or the time ran out first. */
    boolean awaitOutput(String text, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (out.indexOf(text) >= 0) {
                return true;
            }
            if (!process.isAlive()) {
                outReader.join(1_000);
                return out.indexOf(text) >= 0;
            }
            Thread.sleep(20);
        }
        return false;
    }

    /** Waits for the process to exit and for its output to be read; fails the test on a timeout. */
    Result waitFor(Duration timeout) {
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new AssertionError("multidb did not exit within " + timeout + "; output so far:\n"
                        + new Result(-1, out.toString(), err.toString()).all());
            }
            outReader.join(5_000);
            errReader.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
        return new Result(process.exitValue(), out.toString(), err.toString());
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroyForcibly();
            try {
                process.waitFor(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static Thread pump(InputStream in, StringBuffer sink, String name) {
        Thread t = new Thread(() -> {
            char[] buffer = new char[8192];
            try (Reader reader = new InputStreamReader(in, StandardCharsets.UTF_8)) {
                for (int n; (n = reader.read(buffer)) >= 0; ) {
                    sink.append(buffer, 0, n);
                }
            } catch (IOException e) {
                // The process was destroyed: what was read is all there is.
            }
        }, name);
        t.setDaemon(true);
        t.start();
        return t;
    }
}
