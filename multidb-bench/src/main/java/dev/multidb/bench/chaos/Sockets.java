package dev.multidb.bench.chaos;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

/** The sockets this JVM holds, from {@code /proc/self/fd} (Linux), and where they lead, from {@code /proc/net}. */
final class Sockets {

    private Sockets() {
    }

    /** Inodes ({@code socket:[N]}) of every open socket; empty where /proc is not available. */
    static Set<String> open() {
        Path fds = Path.of("/proc/self/fd");
        Set<String> inodes = new TreeSet<>();
        if (!Files.isDirectory(fds)) {
            return inodes;
        }
        try (Stream<Path> list = Files.list(fds)) {
            list.forEach(fd -> {
                try {
                    String link = Files.readSymbolicLink(fd).toString();
                    if (link.startsWith("socket:[")) {
                        inodes.add(link.substring(8, link.length() - 1));
                    }
                } catch (IOException closedMeanwhile) {
                    // not ours any more
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return inodes;
    }

    /** For each inode: protocol, local and remote port and state, as far as /proc/net tells. */
    static String describe(Set<String> inodes) {
        List<String> out = new ArrayList<>();
        for (String proto : List.of("tcp", "tcp6", "udp", "udp6", "unix")) {
            try {
                for (String line : Files.readAllLines(Path.of("/proc/self/net/" + proto))) {
                    String[] f = line.trim().split("\\s+");
                    String inode = proto.equals("unix") ? (f.length > 6 ? f[6] : "") : (f.length > 9 ? f[9] : "");
                    if (inodes.contains(inode)) {
                        out.add(proto.equals("unix") ? "unix " + inode
                                : proto + " " + port(f[1]) + "->" + port(f[2]) + " state " + f[3]);
                    }
                }
            } catch (IOException | RuntimeException unreadable) {
                // describe what we can
            }
        }
        return inodes.size() + " " + out;
    }

    /**
     * {@code inodes} without the TCP sockets whose local port is in {@code localPorts} or whose remote port is in
     * {@code remotePorts} (as far as /proc/net tells; the others are kept).
     */
    static Set<String> without(Set<String> inodes, Set<Integer> localPorts, Set<Integer> remotePorts) {
        Set<String> kept = new TreeSet<>(inodes);
        if (localPorts.isEmpty() && remotePorts.isEmpty()) {
            return kept;
        }
        for (String proto : List.of("tcp", "tcp6")) {
            try {
                for (String line : Files.readAllLines(Path.of("/proc/self/net/" + proto))) {
                    String[] f = line.trim().split("\\s+");
                    if (f.length > 9 && kept.contains(f[9]) && (localPorts.contains(port(f[1])) || remotePorts.contains(port(f[2])))) {
                        kept.remove(f[9]);
                    }
                }
            } catch (IOException | RuntimeException unreadable) {
                // keep what we cannot tell
            }
        }
        return kept;
    }

    private static int port(String hexAddress) {
        return Integer.parseInt(hexAddress.substring(hexAddress.indexOf(':') + 1), 16);
    }
}
