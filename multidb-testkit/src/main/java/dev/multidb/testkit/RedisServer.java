package dev.multidb.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import javax.net.ssl.SSLSocketFactory;

/**
 * A real redis-server process on a loopback port, with hooks for real faults: SIGKILL, SIGSTOP/SIGCONT and
 * restart on the same port. Each server runs in its own temp directory without persistence.
 */
public final class RedisServer implements AutoCloseable {

    /** Timeout used by {@link #command(String...)} for connect and read. */
    public static final Duration DEFAULT_COMMAND_TIMEOUT = Duration.ofSeconds(5);

    private static final String HOST = "127.0.0.1";
    private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration PROBE_TIMEOUT = Duration.ofMillis(500);
    private static final int START_ATTEMPTS = 5;
    private static final int LOG_TAIL_LINES = 30;

    /** Every server whose process may be alive, so the shutdown hook can kill them all. */
    private static final Set<RedisServer> LIVE = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> LIVE.forEach(RedisServer::destroyNow), "redis-server-reaper"));
    }

    private final int port;
    private final List<String> extraArgs;
    /** The {@code --requirepass} given, sent with AUTH by this class's own commands; null for none. */
    private final String password;
    /** TLS set-up, or null for plain TCP. */
    private final Tls tls;
    private final SSLSocketFactory controlSockets;
    /** The sentinel configuration to start with ({@code redis-server sentinel.conf --sentinel}), or null for a server. */
    private volatile String sentinelConfig;
    private final Path dir;
    private final Path logFile;
    private final Path consoleFile;
    private volatile Process process;
    private volatile boolean frozen;
    private boolean closed;

    private RedisServer(int port, List<String> extraArgs, Tls tls) {
        this.port = port;
        this.extraArgs = extraArgs;
        this.tls = tls;
        this.controlSockets = tls == null ? null : tls.certificates().clientContext().getSocketFactory();
        int requirepass = extraArgs.indexOf("--requirepass");
        this.password = requirepass >= 0 && requirepass + 1 < extraArgs.size() ? extraArgs.get(requirepass + 1) : null;
        try {
            this.dir = Files.createTempDirectory("multidb-redis-" + port + "-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        this.logFile = dir.resolve("redis.log");
        this.consoleFile = dir.resolve("console.log"); // config errors go to stderr before --logfile applies
    }

    /** Starts a fresh server on a free loopback port and waits until it answers PING. */
    public static RedisServer start() {
        return start(new String[0]);
    }

    /**
     * Starts a fresh server with additional command-line config (e.g. {@code "--cluster-enabled", "yes"}),
     * applied after the defaults so they can override them. With {@code "--requirepass", pw} the server requires
     * that password; this class's own commands ({@link #ping()}, {@link #command}) authenticate with it, while
     * {@link #uri()} stays without it.
     *
     * @throws IllegalStateException if the server does not come up within 10 s; the message has its log tail
     */
    public static RedisServer start(String... extraArgs) {
        return start(null, extraArgs);
    }

    /**
     * Starts a server that speaks TLS only ({@code --port 0}, {@code --tls-port} on the port), presenting
     * {@code tls}'s server certificate and trusting its CA, with client certificates required or not. {@link #uri()}
     * is then {@code rediss://127.0.0.1:PORT}; this class's own commands use TLS with the CA's client certificate.
     * {@code extraArgs} as for {@link #start(String...)}, e.g. ACL users:
     * {@code "--user", "app", "on", ">secret", "~*", "&*", "+@all"}.
     */
    public static RedisServer startTls(Tls tls, String... extraArgs) {
        return start(tls, extraArgs);
    }

    private static RedisServer start(Tls tls, String... extraArgs) {
        return launchNew(tls, null, extraArgs);
    }

    /**
     * Starts a Sentinel ({@code redis-server sentinel.conf --sentinel}) whose configuration file holds
     * {@code sentinelConfig} (the {@code sentinel monitor …} lines); the Sentinel rewrites that file as it learns.
     */
    public static RedisServer startSentinel(String sentinelConfig) {
        return launchNew(null, sentinelConfig);
    }

    private static RedisServer launchNew(Tls tls, String sentinelConfig, String... extraArgs) {
        PortInUseException lastClash = null;
        // The free port we probe can be grabbed by someone else before redis binds it; just pick another.
        for (int attempt = 0; attempt < START_ATTEMPTS; attempt++) {
            RedisServer server = new RedisServer(freePort(), List.of(extraArgs), tls);
            server.sentinelConfig = sentinelConfig;
            try {
                server.launch();
                return server;
            } catch (PortInUseException e) {
                server.close();
                lastClash = e;
            } catch (RuntimeException e) {
                server.close();
                throw e;
            }
        }
        throw lastClash;
    }

    /** Path of the redis-server binary in use: $REDIS_SERVER, else on the PATH, else extracted from embedded-redis. */
    public static String binary() {
        return RedisBinary.path();
    }

    /** Version of {@link #binary()} as {major, minor, patch}. */
    public static int[] serverVersion() {
        return RedisBinary.version();
    }

    /** Whether {@link #binary()} is Redis 7 or newer (the bundled fallback binary is 6.2). */
    public static boolean supportsRedis7() {
        return serverVersion()[0] >= 7;
    }

    /** The port, fixed for the lifetime of this object (kept across {@link #restart()}). */
    public int port() {
        return port;
    }

    /** Always {@code "127.0.0.1"}. */
    public String host() {
        return HOST;
    }

    /** {@code redis://127.0.0.1:PORT}, or {@code rediss://127.0.0.1:PORT} for a TLS server. */
    public String uri() {
        return (tls == null ? "redis://" : "rediss://") + HOST + ":" + port;
    }

    /**
     * How many connections the server accepted since it started ({@code total_connections_received}, which
     * includes this class's own commands: this one counts itself).
     */
    public long connectionsReceived() {
        String info = command("INFO", "stats");
        for (String line : info.split("\r\n")) {
            if (line.startsWith("total_connections_received:")) {
                return Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
            }
        }
        throw new IllegalStateException("no total_connections_received in INFO stats of " + uri());
    }

    /** PID of the current (or most recent) redis-server process. */
    public long pid() {
        return process.pid();
    }

    /** Whether the process is alive (a frozen process counts as running). */
    public boolean isRunning() {
        Process p = process;
        return p != null && p.isAlive();
    }

    /** SIGKILLs the process and waits for it to exit. No-op if it is not running. */
    public synchronized void kill() {
        Process p = process;
        if (p == null) {
            return;
        }
        p.destroyForcibly(); // SIGKILL on Unix; also ends a SIGSTOPped process
        try {
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                throw new IllegalStateException("redis-server pid " + p.pid() + " survived SIGKILL");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for redis-server to die", e);
        }
        frozen = false;
    }

    /** Sends SIGSTOP: the port still accepts TCP connections (kernel backlog) but nothing is answered. */
    public synchronized void freeze() {
        requireRunning();
        Signals.send(pid(), "STOP");
        frozen = true;
        Signals.awaitStopped(pid());
    }

    /** Sends SIGCONT to a frozen server. */
    public synchronized void thaw() {
        requireRunning();
        Signals.send(pid(), "CONT");
        frozen = false;
    }

    /**
     * Kills the server if it is running, then starts it again on the same port with the same arguments and
     * waits for PING. Data is lost (no persistence).
     */
    public synchronized void restart() {
        requireOpen();
        kill();
        PortInUseException lastClash = null;
        // Redis binds with SO_REUSEADDR, but the port can still be briefly held (e.g. by a client's ephemeral socket).
        for (int attempt = 1; attempt <= 10; attempt++) {
            try {
                launch();
                return;
            } catch (PortInUseException e) {
                lastClash = e;
                pause(100L * attempt);
            }
        }
        throw lastClash;
    }

    /** {@code PING} with the default timeout. */
    public String ping() {
        return command("PING");
    }

    /**
     * Sends one command on a short-lived connection with {@link #DEFAULT_COMMAND_TIMEOUT}.
     *
     * @return the reply as text; nil is {@code null}; arrays are their elements joined by {@code '\n'}
     * @throws IllegalStateException with the error text if redis answers with an error
     * @throws UncheckedIOException if the connection fails or times out (cause: the {@link IOException})
     */
    public String command(String... args) {
        return command(DEFAULT_COMMAND_TIMEOUT, args);
    }

    /** Like {@link #command(String...)} with the given connect and read timeout. */
    public String command(Duration timeout, String... args) {
        try {
            return Resp.callAuthenticated(controlSockets, HOST, port, timeout, password, args);
        } catch (IOException e) {
            throw new UncheckedIOException(String.join(" ", args) + " to " + uri() + " failed: " + e, e);
        }
    }

    /** The last lines of the server log and of its stdout/stderr. */
    public String logTail() {
        return "--- " + logFile + " ---\n" + tail(logFile) + "--- " + consoleFile + " ---\n" + tail(consoleFile);
    }

    /** Kills the process (thawing it first if frozen) and deletes its working directory. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (frozen && isRunning()) {
            Signals.send(pid(), "CONT");
        }
        kill();
        LIVE.remove(this);
        deleteRecursively(dir);
    }

    @Override
    public String toString() {
        return "RedisServer[" + uri() + (isRunning() ? ", pid " + pid() : ", stopped") + "]";
    }

    private void launch() {
        List<String> cmd = new ArrayList<>(List.of(binary()));
        if (sentinelConfig != null) {
            Path config = dir.resolve("sentinel.conf");
            if (!Files.exists(config)) { // kept across restart(): the Sentinel rewrote it with what it learnt
                try {
                    Files.writeString(config, sentinelConfig + "\n");
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot write " + config, e);
                }
            }
            cmd.addAll(List.of(config.toString(), "--sentinel"));
        }
        cmd.addAll(List.of(
                "--port", tls == null ? Integer.toString(port) : "0",
                "--bind", HOST,
                "--save", "",
                "--appendonly", "no",
                "--daemonize", "no",
                "--dir", dir.toString(),
                "--logfile", logFile.toString()));
        if (tls != null) {
            cmd.addAll(List.of("--tls-port", Integer.toString(port),
                    "--tls-cert-file", tls.serverCertificate().certificateFile().toString(),
                    "--tls-key-file", tls.serverCertificate().keyFile().toString(),
                    "--tls-ca-cert-file", tls.certificates().caFile().toString(),
                    "--tls-auth-clients", tls.requireClientCertificate() ? "yes" : "no"));
        }
        cmd.addAll(extraArgs);
        ProcessBuilder builder = new ProcessBuilder(cmd)
                .directory(dir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(consoleFile.toFile()));
        process = startProcess(builder);
        LIVE.add(this);
        awaitReady();
    }

    private void awaitReady() {
        long deadline = System.nanoTime() + STARTUP_TIMEOUT.toNanos();
        while (true) {
            Process p = process;
            if (!p.isAlive()) {
                String tail = logTail();
                String msg = "redis-server on port " + port + " exited with code " + p.exitValue() + "\n" + tail;
                throw tail.contains("Address already in use") ? new PortInUseException(msg) : new IllegalStateException(msg);
            }
            if (answersAsUs(p.pid())) {
                return;
            }
            if (System.nanoTime() > deadline) {
                kill();
                throw new IllegalStateException("redis-server on port " + port + " did not answer PING within "
                        + STARTUP_TIMEOUT.toSeconds() + " s\n" + logTail());
            }
            pause(20);
        }
    }

    /** PING answers and the answering server is our process, not someone else who owned the port first. */
    private boolean answersAsUs(long pid) {
        try {
            return "PONG".equals(Resp.callAuthenticated(controlSockets, HOST, port, PROBE_TIMEOUT, password, "PING"))
                    && Resp.callAuthenticated(controlSockets, HOST, port, PROBE_TIMEOUT, password, "INFO", "server").contains("process_id:" + pid + "\r\n");
        } catch (IOException | IllegalStateException notReadyYet) {
            return false;
        }
    }

    private static Process startProcess(ProcessBuilder builder) {
        for (int attempt = 1; ; attempt++) {
            try {
                return builder.start();
            } catch (IOException e) {
                // ETXTBSY: a concurrent fork can briefly hold the freshly extracted binary open for writing.
                if (attempt < 5 && String.valueOf(e.getMessage()).contains("error=26")) {
                    pause(50);
                    continue;
                }
                throw new UncheckedIOException("cannot start " + builder.command(), e);
            }
        }
    }

    /** Shutdown-hook path: no locks, no waiting, best effort. */
    private void destroyNow() {
        Process p = process;
        if (p != null) {
            p.destroyForcibly();
        }
        deleteRecursively(dir);
    }

    private void requireOpen() {
        if (closed) {
            throw new IllegalStateException(this + " is closed");
        }
    }

    private void requireRunning() {
        requireOpen();
        if (!isRunning()) {
            throw new IllegalStateException(this + " is not running");
        }
    }

    private static int freePort() {
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getByName(HOST))) {
            return probe.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot find a free port", e);
        }
    }

    private static String tail(Path file) {
        try {
            List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
            List<String> last = lines.subList(Math.max(0, lines.size() - LOG_TAIL_LINES), lines.size());
            return last.isEmpty() ? "(empty)\n" : String.join("\n", last) + "\n";
        } catch (IOException e) {
            return "(unreadable: " + e + ")\n";
        }
    }

    private static void deleteRecursively(Path root) {
        try (Stream<Path> paths = Files.walk(root)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException | UncheckedIOException ignored) {
            // best effort: it is a temp dir
        }
    }

    static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /**
     * How a server speaks TLS: the certificate it presents (signed by {@code certificates}' CA, which it trusts for
     * client certificates) and whether clients must present one ({@code --tls-auth-clients yes}).
     */
    public record Tls(TestCertificates certificates, TestCertificates.Issued serverCertificate, boolean requireClientCertificate) {

        /** The CA's server certificate for 127.0.0.1/localhost. */
        public static Tls of(TestCertificates certificates, boolean requireClientCertificate) {
            return new Tls(certificates, certificates.server(), requireClientCertificate);
        }
    }

    /** Startup failed because the port was taken; the caller may retry. */
    private static final class PortInUseException extends IllegalStateException {
        PortInUseException(String message) {
            super(message);
        }
    }
}
