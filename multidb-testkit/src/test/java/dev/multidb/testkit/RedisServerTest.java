package dev.multidb.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class RedisServerTest {

    @Test
    void startsAndAnswersCommands() {
        try (RedisServer server = RedisServer.start()) {
            assertThat(server.host()).isEqualTo("127.0.0.1");
            assertThat(server.uri()).isEqualTo("redis://127.0.0.1:" + server.port());
            assertThat(server.isRunning()).isTrue();
            assertThat(server.ping()).isEqualTo("PONG");
            assertThat(server.command("SET", "k", "v")).isEqualTo("OK");
            assertThat(server.command("GET", "k")).isEqualTo("v");
            assertThat(server.command("GET", "missing")).isNull();
            assertThat(server.command("INCR", "n")).isEqualTo("1");
            assertThat(server.command("CONFIG", "GET", "save")).isEqualTo("save\n");
            assertThatThrownBy(() -> server.command("NOSUCHCOMMAND"))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("ERR");
        }
    }

    @Test
    void passesExtraArgs() {
        try (RedisServer server = RedisServer.start("--maxmemory", "10mb")) {
            assertThat(server.command("CONFIG", "GET", "maxmemory")).isEqualTo("maxmemory\n10485760");
        }
    }

    @Test
    void badConfigFailsWithLogTail() {
        assertThatThrownBy(() -> RedisServer.start("--no-such-directive", "x"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("exited")
                .hasMessageContaining("no-such-directive");
    }

    @Test
    void killMakesConnectionsRefused() {
        try (RedisServer server = RedisServer.start()) {
            long pid = server.pid();
            server.kill();
            assertThat(server.isRunning()).isFalse();
            assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive)).isNotEqualTo(java.util.Optional.of(true));
            assertThatThrownBy(server::ping)
                    .isInstanceOf(UncheckedIOException.class)
                    .hasCauseInstanceOf(ConnectException.class);
        }
    }

    @Test
    void freezeMakesCommandsTimeOutAndThawRecovers() {
        try (RedisServer server = RedisServer.start()) {
            server.freeze();
            assertThat(server.isRunning()).isTrue();
            assertThatThrownBy(() -> server.command(Duration.ofMillis(300), "PING"))
                    .isInstanceOf(UncheckedIOException.class)
                    .hasCauseInstanceOf(SocketTimeoutException.class);
            server.thaw();
            await().atMost(Duration.ofSeconds(5)).ignoreExceptions()
                    .until(() -> "PONG".equals(server.command(Duration.ofMillis(500), "PING")));
        }
    }

    @Test
    void restartKeepsPortAndLosesData() {
        try (RedisServer server = RedisServer.start()) {
            int port = server.port();
            long firstPid = server.pid();
            server.command("SET", "k", "v");

            server.restart(); // while running: kills first
            assertThat(server.port()).isEqualTo(port);
            assertThat(server.pid()).isNotEqualTo(firstPid);
            assertThat(server.ping()).isEqualTo("PONG");
            assertThat(server.command("GET", "k")).isNull();

            server.kill();
            server.restart();
            assertThat(server.ping()).isEqualTo("PONG");
        }
    }

    @Test
    void closeKillsProcessAndDeletesDirEvenWhenFrozen() throws Exception {
        RedisServer server = RedisServer.start();
        long pid = server.pid();
        Path dir = Path.of(server.command("CONFIG", "GET", "dir").split("\n")[1]);
        assertThat(dir).isDirectory();
        server.freeze();

        server.close();
        server.close(); // idempotent

        assertThat(ProcessHandle.of(pid).filter(ProcessHandle::isAlive)).isEmpty();
        assertThat(Files.exists(dir)).isFalse();
        assertThat(server.isRunning()).isFalse();
        assertThatThrownBy(server::restart).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void reportsBinaryAndVersion() {
        assertThat(Files.isExecutable(Path.of(RedisServer.binary()))).isTrue();
        int[] version = RedisServer.serverVersion();
        assertThat(version).hasSize(3);
        assertThat(RedisServer.supportsRedis7()).isEqualTo(version[0] >= 7);
    }

    @Test
    void bundledBinaryCanBeExtractedAndRun() {
        String os = System.getProperty("os.name").toLowerCase();
        String arch = System.getProperty("os.arch");
        org.junit.jupiter.api.Assumptions.assumeTrue(os.contains("linux") && (arch.equals("amd64") || arch.equals("aarch64")));
        Path extracted = RedisBinary.extractBundled();
        assertThat(Files.isExecutable(extracted)).isTrue();
        assertThat(RedisBinary.versionOf(extracted.toString())[0]).isEqualTo(6);
    }

    @Test
    void mapsPlatformsToBundledResources() {
        assertThat(RedisBinary.bundledResourceName("Linux", "amd64")).isEqualTo("redis-server-6.2.6-v5-linux-amd64");
        assertThat(RedisBinary.bundledResourceName("Linux", "aarch64")).isEqualTo("redis-server-6.2.7-linux-arm64");
        assertThat(RedisBinary.bundledResourceName("Mac OS X", "x86_64")).isEqualTo("redis-server-6.2.6-v5-darwin-amd64");
        assertThat(RedisBinary.bundledResourceName("Mac OS X", "aarch64")).isEqualTo("redis-server-6.2.6-v5-darwin-arm64");
        assertThatThrownBy(() -> RedisBinary.bundledResourceName("Windows 11", "amd64"))
                .isInstanceOf(IllegalStateException.class);
    }
}
