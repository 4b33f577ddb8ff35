package dev.multidb.health;

import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.RedisChannelWriter;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.protocol.DefaultEndpoint;
import io.netty.channel.Channel;

/**
 * What the operating system knows about a connection's progress: whether the peer's TCP stack
 * acknowledges what we sent. A server that is alive but busy (a long script, a big DEL, a fork)
 * acknowledges our bytes at once although it does not answer; a dead host or a cut network
 * acknowledges nothing, and the kernel retransmits. This is the evidence that tells the two apart
 * (DESIGN rule 3), read from Linux's {@code /proc/net/tcp} for the connection's socket.
 *
 * <p>Elsewhere (another OS, a transport that hides its socket, a Redis Cluster connection, which
 * has a socket per node) the answer is {@link Evidence#UNKNOWN}, and the client judges by reply
 * timing alone, as before. Read only when something already looks wrong, never per command.
 */
public final class TcpProgress {

    /** What the connection's socket says. */
    public enum Evidence {
        /** Everything sent was acknowledged, or the peer is alive but not reading (zero window). */
        ACKNOWLEDGED,
        /** Data sent is unacknowledged and at least one retransmission timeout passed. */
        NO_PROGRESS,
        /** Nothing to go by (not Linux, no socket, data sent too recently to judge). */
        UNKNOWN
    }

    private static final List<Path> TABLES = List.of(Path.of("/proc/net/tcp"), Path.of("/proc/net/tcp6"));
    private static final int TIMER_RETRANSMIT = 1;
    private static final int TIMER_ZERO_WINDOW_PROBE = 4;
    private static final Field ENDPOINT_CHANNEL = endpointChannelField();

    private TcpProgress() {
    }

    /** The evidence for {@code connection}'s socket now. Never throws. */
    public static Evidence of(StatefulConnection<?, ?> connection) {
        try {
            Channel channel = channelOf(connection);
            if (channel == null || !(channel.localAddress() instanceof InetSocketAddress local)
                    || !(channel.remoteAddress() instanceof InetSocketAddress remote)) {
                return Evidence.UNKNOWN;
            }
            for (Path table : TABLES) {
                if (!Files.isReadable(table)) {
                    continue;
                }
                for (String line : Files.readAllLines(table)) {
                    Evidence evidence = evidence(line, local.getPort(), remote.getPort());
                    if (evidence != null) {
                        return evidence;
                    }
                }
            }
        } catch (IOException | ReflectiveOperationException | RuntimeException unreadable) {
            // Fall through: no evidence.
        }
        return Evidence.UNKNOWN;
    }

    /** How many readings of the tables must all miss a socket before it counts as reset. */
    private static final int ABSENT_READINGS = 3;

    /** TCP_CLOSE_WAIT in {@code /proc/net/tcp}: the peer closed its side (sent FIN). */
    private static final int STATE_CLOSE_WAIT = 0x08;

    /**
     * Whether the server has already closed {@code connection} at the TCP level, though Lettuce
     * may not have noticed yet: its socket got the server's FIN (CLOSE_WAIT), or a reset took it out
     * of the kernel's table. {@code false} when there is no telling (not Linux, no socket): then the
     * connection counts as open. Never throws.
     */
    public static boolean peerClosed(StatefulConnection<?, ?> connection) {
        try {
            DefaultEndpoint endpoint = endpointOf(connection);
            if (endpoint == null) {
                // No socket of its own to read (a cluster connection's are its nodes', and its isOpen()
                // speaks for its seed node's only): no telling, so closing it counts as a cut.
                return false;
            }
            Channel channel = (Channel) ENDPOINT_CHANNEL.get(endpoint);
            if (channel == null || !channel.isActive()) {
                return true; // Lettuce already took it down
            }
            if (!(channel.localAddress() instanceof InetSocketAddress local)
                    || !(channel.remoteAddress() instanceof InetSocketAddress remote)) {
                return false;
            }
            // Not in the table means reset by the peer. But the kernel writes the table in chunks while
            // sockets come and go, so one reading can skip a line: absent from every one of a few
            // readings, it is gone.
            for (int reading = 0; reading < ABSENT_READINGS; reading++) {
                boolean readable = false;
                for (Path table : TABLES) {
                    if (!Files.isReadable(table)) {
                        continue;
                    }
                    readable = true;
                    for (String line : Files.readAllLines(table)) {
                        Boolean closed = closedByPeer(line, local.getPort(), remote.getPort());
                        if (closed != null) {
                            return closed;
                        }
                    }
                }
                if (!readable) {
                    return false; // no telling
                }
                if (!channel.isActive()) {
                    return true; // Lettuce took it down meanwhile
                }
            }
            return true;
        } catch (IOException | ReflectiveOperationException | RuntimeException unreadable) {
            return false;
        }
    }

    /** Whether one line of {@code /proc/net/tcp} says the peer closed the socket, or {@code null} for another socket. */
    static Boolean closedByPeer(String line, int localPort, int remotePort) {
        String[] columns = line.trim().split("\\s+");
        if (columns.length < 4 || !columns[0].endsWith(":") || port(columns[1]) != localPort || port(columns[2]) != remotePort) {
            return null;
        }
        return Integer.parseInt(columns[3], 16) == STATE_CLOSE_WAIT;
    }

    /**
     * The evidence in one line of {@code /proc/net/tcp}, or {@code null} when the line is about
     * another socket. Columns: sl, local address:port, remote address:port, state,
     * tx_queue:rx_queue, timer:expires, retransmits, … (ports and counts in hex).
     */
    static Evidence evidence(String line, int localPort, int remotePort) {
        String[] columns = line.trim().split("\\s+");
        if (columns.length < 7 || !columns[0].endsWith(":")) {
            return null;
        }
        if (port(columns[1]) != localPort || port(columns[2]) != remotePort) {
            return null;
        }
        long unacknowledged = Long.parseLong(columns[4].substring(0, columns[4].indexOf(':')), 16);
        int timer = Integer.parseInt(columns[5].substring(0, columns[5].indexOf(':')), 16);
        long retransmits = Long.parseLong(columns[6], 16);
        if (unacknowledged == 0 || timer == TIMER_ZERO_WINDOW_PROBE) {
            return Evidence.ACKNOWLEDGED;
        }
        if (timer == TIMER_RETRANSMIT && retransmits > 0) {
            return Evidence.NO_PROGRESS;
        }
        return Evidence.UNKNOWN;
    }

    private static int port(String addressAndPort) {
        return Integer.parseInt(addressAndPort.substring(addressAndPort.lastIndexOf(':') + 1), 16);
    }

    /** The Netty channel under a standalone Lettuce connection, or {@code null}. */
    private static Channel channelOf(StatefulConnection<?, ?> connection) throws ReflectiveOperationException {
        DefaultEndpoint endpoint = endpointOf(connection);
        return endpoint == null ? null : (Channel) ENDPOINT_CHANNEL.get(endpoint);
    }

    /** The endpoint that owns the connection's one socket, or {@code null} (a cluster connection has none of its own). */
    private static DefaultEndpoint endpointOf(StatefulConnection<?, ?> connection) throws ReflectiveOperationException {
        if (ENDPOINT_CHANNEL == null || !(connection instanceof RedisChannelHandler<?, ?> handler)) {
            return null;
        }
        Object writer = handler.getChannelWriter();
        for (int depth = 0; depth < 4 && writer != null; depth++) {
            if (writer instanceof DefaultEndpoint endpoint) {
                return endpoint;
            }
            writer = delegateOf(writer);
        }
        return null;
    }

    /** The writer a wrapping writer (Lettuce's command-expiry writer) hands commands to. */
    private static Object delegateOf(Object writer) throws ReflectiveOperationException {
        for (Method method : writer.getClass().getMethods()) {
            if (method.getName().equals("getDelegate") && method.getParameterCount() == 0
                    && RedisChannelWriter.class.isAssignableFrom(method.getReturnType())) {
                return method.invoke(writer);
            }
        }
        return null;
    }

    /**
     * Lettuce keeps the endpoint's channel in a protected field and offers no accessor; without
     * access to it there is simply no evidence.
     */
    private static Field endpointChannelField() {
        try {
            Field field = DefaultEndpoint.class.getDeclaredField("channel");
            field.setAccessible(true);
            return field;
        } catch (ReflectiveOperationException | RuntimeException inaccessible) {
            return null;
        }
    }
}
