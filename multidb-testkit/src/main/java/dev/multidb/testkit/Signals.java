package dev.multidb.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** POSIX signals via the {@code kill} command, since the JDK can only send SIGTERM/SIGKILL. */
final class Signals {

    private Signals() {
    }

    /** Sends {@code SIG<name>} (e.g. "STOP", "CONT") to {@code pid} and checks that kill succeeded. */
    static void send(long pid, String name) {
        try {
            Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(pid)).redirectErrorStream(true).start();
            String out = new String(kill.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
                throw new IllegalStateException("kill -" + name + " " + pid + " failed: " + out);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run kill -" + name + " " + pid, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while sending SIG" + name, e);
        }
    }

    /**
     * Waits (bounded) until /proc reports the process as stopped, so a freeze is in effect when freeze()
     * returns. Without /proc (macOS) signal delivery is trusted to be immediate.
     */
    static void awaitStopped(long pid) {
        Path stat = Path.of("/proc", Long.toString(pid), "stat");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
        while (Files.exists(stat) && System.nanoTime() < deadline) {
            try {
                String s = Files.readString(stat);
                // Format: "pid (comm) STATE ..."; comm may contain spaces or parens, so anchor on the last ')'.
                char state = s.charAt(s.lastIndexOf(')') + 2);
                if (state == 'T' || state == 't') {
                    return;
                }
            } catch (IOException | RuntimeException processGone) {
                return;
            }
            RedisServer.pause(5);
        }
    }
}
