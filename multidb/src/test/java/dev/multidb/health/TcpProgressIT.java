package dev.multidb.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import io.lettuce.core.RedisClient;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulRedisConnection;

import dev.multidb.health.TcpProgress.Evidence;
import dev.multidb.testkit.DeadHost;
import dev.multidb.testkit.RedisServer;

/** The operating system's evidence, read for real sockets: busy and stopped servers acknowledge, a dead host does not. */
class TcpProgressIT {

    /** Keeps the server busy for {@code millis} without answering anyone, as a long script does. */
    static final String BUSY_SCRIPT = "local t = redis.call('TIME') "
            + "while true do local n = redis.call('TIME') "
            + "if (n[1] - t[1]) * 1000000 + (n[2] - t[2]) > tonumber(ARGV[1]) * 1000 then return 1 end end";

    private final RedisServer server = RedisServer.start();
    private final RedisClient client = RedisClient.create(server.uri());
    private final StatefulRedisConnection<String, String> connection = client.connect();

    @AfterEach
    void stop() {
        client.shutdown();
        server.close();
    }

    /** Leaving a database counts as cutting its connections only if the server still held them open. */
    @Test
    void aFrozenServerStillHoldsItsConnectionAKilledOneClosedIt() {
        assertThat(connection.sync().ping()).isEqualTo("PONG");
        assertThat(TcpProgress.peerClosed(connection)).isFalse();
        server.freeze();
        try {
            assertThat(TcpProgress.peerClosed(connection)).isFalse(); // a late copy could still run: a cut
        } finally {
            server.thaw();
        }
        server.kill();
        await().atMost(Duration.ofSeconds(5)).until(() -> TcpProgress.peerClosed(connection));
    }

    /**
     * A Redis Cluster connection has no socket of its own (its commands go over node connections): no telling, so
     * leaving its database counts as a cut (writes in flight may still land late), whatever its nodes do; its
     * {@code isOpen()} follows its seed node only, so it cannot tell either. (Found by the chaos soak: taking every cluster connection for
     * closed by its peer let idempotent writes cut on a busy cluster be re-sent to another database while the
     * cluster still applied them, a second later.)
     */
    @Test
    void aClusterConnectionIsNeverTakenForClosedByItsPeer() {
        try (dev.multidb.testkit.RedisCluster cluster = dev.multidb.testkit.RedisCluster.start(3)) {
            io.lettuce.core.cluster.RedisClusterClient clusterClient = io.lettuce.core.cluster.RedisClusterClient.create(cluster.uri());
            try {
                var clusterConnection = clusterClient.connect();
                for (int i = 0; i < 30; i++) { // keys on every node, so that each has a node connection
                    assertThat(clusterConnection.sync().set("k" + i, "v")).isEqualTo("OK");
                }
                assertThat(TcpProgress.peerClosed(clusterConnection)).isFalse();
                RedisServer frozen = cluster.nodes().get(1);
                frozen.freeze();
                try {
                    assertThat(TcpProgress.peerClosed(clusterConnection)).as("a frozen node").isFalse();
                } finally {
                    frozen.thaw();
                }
                cluster.nodes().get(0).kill(); // the seed node: the connection's isOpen() follows it
                assertThat(TcpProgress.peerClosed(clusterConnection)).as("a killed seed node: no telling for the rest").isFalse();
                cluster.nodes().forEach(RedisServer::kill);
                assertThat(TcpProgress.peerClosed(clusterConnection)).as("no telling, whatever the nodes do").isFalse();
            } finally {
                clusterClient.shutdown();
            }
        }
    }

    /** The server's FIN arrived (state 08, CLOSE_WAIT) before Lettuce noticed: the kernel's table tells. */
    @Test
    void aSocketInCloseWaitWasClosedByThePeer() {
        String closeWait = "   3: 0100007F:9C4A 0100007F:1F90 08 00000000:00000000 00:00000000 00000000     0        0 1 1";
        String established = "   4: 0100007F:9C4B 0100007F:1F90 01 00000000:00000000 00:00000000 00000000     0        0 1 1";
        assertThat(TcpProgress.closedByPeer(closeWait, 0x9C4A, 0x1F90)).isTrue();
        assertThat(TcpProgress.closedByPeer(established, 0x9C4B, 0x1F90)).isFalse();
        assertThat(TcpProgress.closedByPeer(established, 0x9C4A, 0x1F90)).isNull();
    }

    @Test
    void anAnsweringServerAcknowledges() {
        assertThat(connection.sync().ping()).isEqualTo("PONG");
        assertThat(TcpProgress.of(connection)).isEqualTo(Evidence.ACKNOWLEDGED);
    }

    @Test
    void aBusyServerAcknowledgesWhileItDoesNotAnswer() {
        StatefulRedisConnection<String, String> other = client.connect();
        CompletableFuture<Object> script = other.async().eval(BUSY_SCRIPT, ScriptOutputType.INTEGER, new String[0], "1500")
                .toCompletableFuture();
        await().atMost(Duration.ofSeconds(5)).until(() -> isBusy(server));
        CompletableFuture<String> ping = connection.async().ping().toCompletableFuture();

        await().atMost(Duration.ofSeconds(1)).until(() -> TcpProgress.of(connection) == Evidence.ACKNOWLEDGED);
        assertThat(ping).isNotDone();
        assertThat(ping.join()).isEqualTo("PONG");
        other.close();
    }

    /** Whether the server leaves a PING unanswered for 200 ms (the PING stays queued and is answered later). */
    static boolean isBusy(RedisServer server) {
        try {
            server.command(Duration.ofMillis(200), "PING");
            return false;
        } catch (UncheckedIOException timedOut) {
            return true;
        }
    }

    @Test
    void aStoppedServersKernelStillAcknowledges() {
        server.freeze();
        try {
            CompletableFuture<String> ping = connection.async().ping().toCompletableFuture();
            await().atMost(Duration.ofSeconds(1)).until(() -> TcpProgress.of(connection) == Evidence.ACKNOWLEDGED);
            assertThat(ping).isNotDone();
        } finally {
            server.thaw();
        }
    }

    @Test
    void aDeadHostShowsNoProgress() {
        String why = DeadHost.unavailableReason();
        Assumptions.assumeTrue(why == null, () -> "skipped: " + why);
        try (DeadHost dead = DeadHost.dropPacketsFrom(server.port())) {
            CompletableFuture<String> ping = connection.async().ping().toCompletableFuture();
            await().atMost(Duration.ofSeconds(5)).until(() -> TcpProgress.of(connection) == Evidence.NO_PROGRESS);
            assertThat(ping).isNotDone();
        }
    }

    @Test
    void linesOfOtherSocketsAreNotRead() {
        String line = "   5: 0100007F:1A0B 0100007F:D431 01 00000006:00000000 01:0000001F 00000001     0        0 123 2";
        assertThat(TcpProgress.evidence(line, 0x1A0B, 0xD431)).isEqualTo(Evidence.NO_PROGRESS);
        assertThat(TcpProgress.evidence(line, 0x1A0C, 0xD431)).isNull();
        assertThat(TcpProgress.evidence("  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt", 1, 2)).isNull();
        String fresh = "   5: 0100007F:1A0B 0100007F:D431 01 00000006:00000000 01:0000001F 00000000     0        0 123 2";
        assertThat(TcpProgress.evidence(fresh, 0x1A0B, 0xD431)).isEqualTo(Evidence.UNKNOWN);
        String zeroWindow = "   5: 0100007F:1A0B 0100007F:D431 01 00010000:00000000 04:0000001F 00000000     0        0 123 2";
        assertThat(TcpProgress.evidence(zeroWindow, 0x1A0B, 0xD431)).isEqualTo(Evidence.ACKNOWLEDGED);
    }
}
