package dev.multidb.testkit;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real dead host: an {@code iptables} rule that drops every packet a loopback server sends on
 * its port, so its kernel's acknowledgements and replies never arrive, as when a host or the
 * network between dies (a user-space proxy cannot do that: it acknowledges at TCP level).
 * Needs root and the {@code iptables} command; {@link #unavailableReason()} says why not, for a
 * test to skip with. {@link #close()} removes the rule (and the JVM's shutdown removes any left).
 */
public final class DeadHost implements AutoCloseable {

    private final int port;
    private boolean removed;

    private DeadHost(int port) {
        this.port = port;
    }

    /** Why a dead host cannot be made here, or {@code null} when it can. */
    public static String unavailableReason() {
        try {
            String uid = run(List.of("id", "-u")).strip();
            if (!uid.equals("0")) {
                return "dropping packets with iptables needs root (uid is " + uid + ")";
            }
            run(List.of("iptables", "-S", "INPUT"));
            return null;
        } catch (IOException | IllegalStateException e) {
            return "iptables is not usable here: " + e.getMessage();
        }
    }

    /** Drops, from now on, every packet sent from loopback port {@code port} (the server's side). */
    public static DeadHost dropPacketsFrom(int port) {
        DeadHost host = new DeadHost(port);
        try {
            run(host.rule("-I"));
        } catch (IOException e) {
            throw new IllegalStateException("could not add the iptables rule for port " + port, e);
        }
        Runtime.getRuntime().addShutdownHook(new Thread(host::close, "dead-host-" + port + "-cleanup"));
        return host;
    }

    private List<String> rule(String action) {
        return List.of("iptables", action, "INPUT", "-i", "lo", "-p", "tcp", "--sport", String.valueOf(port), "-j", "DROP");
    }

    /** Removes the rule: the host is reachable again (TCP retransmits what was held back). */
    @Override
    public synchronized void close() {
        if (removed) {
            return;
        }
        removed = true;
        try {
            run(rule("-D"));
        } catch (IOException | IllegalStateException e) {
            throw new IllegalStateException("could not remove the iptables rule for port " + port
                    + ": remove it by hand (iptables -D INPUT -i lo -p tcp --sport " + port + " -j DROP)", e);
        }
    }

    private static String run(List<String> command) throws IOException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException(String.join(" ", command) + " did not finish in 10 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (process.exitValue() != 0) {
            throw new IllegalStateException(String.join(" ", command) + " failed (" + process.exitValue() + "): " + output.strip());
        }
        return output;
    }
}
