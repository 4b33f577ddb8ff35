package dev.multidb.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class FaultProxyTest {

    private static final Duration WAIT = Duration.ofSeconds(5);

    private static RedisServer redis;
    private FaultProxy proxy;

    @BeforeAll
    static void startRedis() {
        redis = RedisServer.start();
    }

    @AfterAll
    static void stopRedis() {
        redis.close();
    }

    @BeforeEach
    void startProxy() {
        proxy = FaultProxy.start(redis.host(), redis.port());
    }

    @AfterEach
    void closeProxy() {
        proxy.close();
    }

    @Test
    void forwardsTraffic() throws IOException {
        assertThat(proxy.uri()).isEqualTo("redis://127.0.0.1:" + proxy.port());
        try (Client client = new Client(proxy.port())) {
            assertThat(client.call("SET", "proxied", "yes")).isEqualTo("OK");
            await().atMost(WAIT).until(() -> proxy.activeConnections() == 1);
        }
        assertThat(redis.command("GET", "proxied")).isEqualTo("yes");
        await().atMost(WAIT).until(() -> proxy.activeConnections() == 0);
    }

    @Test
    void latencyDelaysBothDirections() throws IOException {
        Duration latency = Duration.ofMillis(150);
        try (Client client = new Client(proxy.port())) {
            client.call("PING");
            proxy.setLatency(latency);
            long start = System.nanoTime();
            assertThat(client.call("PING")).isEqualTo("PONG");
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(latency.multipliedBy(2));
        }
    }

    @Test
    void latencyPreservesOrderOfPipelinedCommands() throws IOException {
        proxy.setLatency(Duration.ofMillis(20));
        try (Client client = new Client(proxy.port())) {
            for (int i = 0; i < 50; i++) {
                Resp.write(client.out, "RPUSH", "ordered", Integer.toString(i));
            }
            for (int i = 0; i < 50; i++) {
                assertThat(Resp.read(client.in)).isEqualTo(Integer.toString(i + 1));
            }
        }
    }

    @Test
    void blackholeHoldsTrafficUntilHealedThenDeliversItInOrder() throws IOException {
        try (Client client = new Client(proxy.port())) {
            assertThat(client.call("PING")).isEqualTo("PONG");
            proxy.blackhole(true);
            assertThatThrownBy(() -> client.call("ECHO", "held")).isInstanceOf(SocketTimeoutException.class);
            try (Client during = new Client(proxy.port())) {
                assertThatThrownBy(() -> during.call("PING")).isInstanceOf(SocketTimeoutException.class);
            }

            proxy.heal();
            try (Client after = new Client(proxy.port())) {
                assertThat(after.call("PING")).isEqualTo("PONG");
            }
            // Like TCP across a healed partition: the held ECHO reaches redis late, and its reply comes
            // first. Nothing is lost or reordered, so a client that kept waiting stays in sync.
            assertThat(client.call("ECHO", "again")).isEqualTo("held");
            assertThat(Resp.read(client.in)).isEqualTo("again");
        }
    }

    @Test
    void resetConnectionsMakesClientsSeeAnError() throws IOException {
        try (Client client = new Client(proxy.port())) {
            assertThat(client.call("PING")).isEqualTo("PONG");
            await().atMost(WAIT).until(() -> proxy.activeConnections() == 1);
            proxy.resetConnections();
            assertThat(proxy.activeConnections()).isZero();
            assertThatThrownBy(() -> client.call("PING")).isInstanceOf(IOException.class);
        }
        try (Client client = new Client(proxy.port())) {
            assertThat(client.call("PING")).isEqualTo("PONG");
        }
    }

    @Test
    void refuseNewConnectionsThenAcceptAgain() throws IOException {
        try (Client existing = new Client(proxy.port())) {
            // Only accepted connections survive: closing the listener resets those still in its backlog.
            await().atMost(WAIT).until(() -> proxy.activeConnections() == 1);
            proxy.refuseNewConnections(true);
            assertThatThrownBy(() -> new Client(proxy.port()).close()).isInstanceOf(ConnectException.class);
            assertThat(existing.call("PING")).isEqualTo("PONG");

            proxy.refuseNewConnections(false);
            try (Client fresh = new Client(proxy.port())) {
                assertThat(fresh.call("PING")).isEqualTo("PONG");
            }
            proxy.refuseNewConnections(true);
            proxy.heal();
            try (Client fresh = new Client(proxy.port())) {
                assertThat(fresh.call("PING")).isEqualTo("PONG");
            }
        }
    }

    @Test
    void deadTargetResetsClient() throws IOException {
        try (RedisServer doomed = RedisServer.start(); FaultProxy toDoomed = FaultProxy.start(doomed.host(), doomed.port())) {
            doomed.kill();
            // The proxy's reset can even beat the client's own connect() to completion.
            assertThatThrownBy(() -> {
                try (Client client = new Client(toDoomed.port())) {
                    client.call("PING");
                }
            }).isInstanceOf(IOException.class);
        }
    }

    @Test
    void closeStopsAllThreadsAndSockets() throws IOException {
        String prefix = "faultproxy-" + proxy.port() + "-";
        Client client = new Client(proxy.port());
        proxy.setLatency(Duration.ofSeconds(30)); // a writer parked in a long delay must still stop
        Resp.write(client.out, "PING");
        await().atMost(WAIT).until(() -> proxyThreads(prefix) == 5); // acceptor + 4 per connection

        proxy.close();
        proxy.close(); // idempotent

        assertThat(proxyThreads(prefix)).isZero();
        assertThat(proxy.activeConnections()).isZero();
        assertThatThrownBy(() -> Resp.read(client.in)).isInstanceOf(IOException.class);
        assertThatThrownBy(() -> new Client(proxy.port()).close()).isInstanceOf(ConnectException.class);
        client.close();
    }

    private static long proxyThreads(String prefix) {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith(prefix) && t.isAlive())
                .count();
    }

    /** A raw RESP connection with a short read timeout. */
    private static final class Client implements AutoCloseable {
        final Socket socket = new Socket();
        final OutputStream out;
        final InputStream in;

        Client(int port) throws IOException {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 1_000);
            socket.setSoTimeout(1_000);
            out = socket.getOutputStream();
            in = new BufferedInputStream(socket.getInputStream());
        }

        String call(String... args) throws IOException {
            Resp.write(out, args);
            return Resp.read(in);
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
