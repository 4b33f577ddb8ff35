package dev.multidb.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManagerFactory;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;

/**
 * A local stand-in for the Redis Enterprise REST API, as far as the lag-aware health check uses it:
 * {@code GET /v1/bdbs?fields=uid,endpoints} and {@code GET /v1/bdbs/{uid}/availability?...}, over HTTPS on
 * {@code 127.0.0.1} and a free port, with Basic auth and, optionally, a required client certificate.
 *
 * <p>At start it creates, in a temp directory, a self-signed server certificate for {@code 127.0.0.1} and
 * {@code localhost} ({@link #caFile()}) and a client certificate with its PKCS#8 key
 * ({@link #clientCertificateFile()}, {@link #clientKeyFile()}) that the server trusts. They are made by the
 * {@code keytool} of the running JDK (the JDK's certificate generator is not an exported API).
 *
 * <p>Tests change the state at run time: {@link #addBdb}, {@link #setAvailability}, {@link #setDelay},
 * {@link #setCredentials}, {@link #requireClientCertificate}; and check what was asked with
 * {@link #requests()}. {@link #close()} stops the server and deletes the temp files.
 */
public final class RestApiEmulator implements AutoCloseable {

    /** The user the emulator accepts until {@link #setCredentials} says otherwise. */
    public static final String DEFAULT_USERNAME = "monitor@multidb.test";
    /** Its password. */
    public static final String DEFAULT_PASSWORD = "emulator-secret";

    private static final String HOST = "127.0.0.1";
    private static final Pattern AVAILABILITY = Pattern.compile("/v1/bdbs/([^/]+)/availability");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final AtomicInteger THREADS = new AtomicInteger();

    private final Path dir;
    private final Path caFile;
    private final Path clientCertificateFile;
    private final Path clientKeyFile;
    private final HttpsServer server;
    private final ExecutorService executor;
    private final Map<String, Bdb> bdbs = new ConcurrentSkipListMap<>();
    private final Map<String, Integer> availability = new ConcurrentHashMap<>();
    private final List<String> requests = new CopyOnWriteArrayList<>();
    private volatile String username = DEFAULT_USERNAME;
    private volatile String password = DEFAULT_PASSWORD;
    private volatile Duration delay = Duration.ZERO;
    private volatile boolean needClientAuth;
    private boolean closed;

    private RestApiEmulator() throws IOException, GeneralSecurityException {
        dir = Files.createTempDirectory("multidb-rest-api-");
        try {
            char[] storePassword = "emulator".toCharArray();
            KeyStore serverStore = generate("server", storePassword);
            KeyStore clientStore = generate("client", storePassword);
            caFile = dir.resolve("server-ca.pem");
            clientCertificateFile = dir.resolve("client.pem");
            clientKeyFile = dir.resolve("client-key.pem");
            Files.writeString(caFile, pem("CERTIFICATE", serverStore.getCertificate("server").getEncoded()));
            Files.writeString(clientCertificateFile, pem("CERTIFICATE", clientStore.getCertificate("client").getEncoded()));
            // PrivateKey.getEncoded() is PKCS#8 for the JDK's keys: exactly what the health check reads.
            Files.writeString(clientKeyFile, pem("PRIVATE KEY", ((PrivateKey) clientStore.getKey("client", storePassword)).getEncoded()));

            KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            keys.init(serverStore, storePassword);
            KeyStore trusted = KeyStore.getInstance("PKCS12");
            trusted.load(null, null);
            trusted.setCertificateEntry("client", clientStore.getCertificate("client"));
            TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            trust.init(trusted);
            SSLContext ssl = SSLContext.getInstance("TLS");
            ssl.init(keys.getKeyManagers(), trust.getTrustManagers(), null);

            executor = Executors.newCachedThreadPool(r -> {
                Thread t = new Thread(r, "rest-api-emulator-" + THREADS.incrementAndGet());
                t.setDaemon(true);
                return t;
            });
            server = HttpsServer.create(new InetSocketAddress(InetAddress.getByName(HOST), 0), 0);
            server.setHttpsConfigurator(new HttpsConfigurator(ssl) {
                @Override
                public void configure(HttpsParameters params) {
                    // Called for every new connection, so requireClientCertificate() applies from the next one.
                    SSLParameters parameters = getSSLContext().getDefaultSSLParameters();
                    parameters.setNeedClientAuth(needClientAuth);
                    params.setSSLParameters(parameters);
                }
            });
            server.createContext("/", this::handle);
            server.setExecutor(executor);
            server.start();
        } catch (IOException | GeneralSecurityException | RuntimeException e) {
            deleteRecursively(dir);
            throw e;
        }
    }

    /** Starts an emulator with no bdbs, accepting {@link #DEFAULT_USERNAME}/{@link #DEFAULT_PASSWORD}. */
    public static RestApiEmulator start() {
        try {
            return new RestApiEmulator();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the REST API emulator", e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot set up TLS for the REST API emulator", e);
        }
    }

    /** Always {@code "127.0.0.1"}. */
    public String host() {
        return HOST;
    }

    /** The HTTPS port. */
    public int port() {
        return server.getAddress().getPort();
    }

    /** {@code https://127.0.0.1}, without port, as a cluster's health-check URL is configured. */
    public String url() {
        return "https://" + HOST;
    }

    /** PEM of the server's self-signed certificate, to trust as the CA. */
    public Path caFile() {
        return caFile;
    }

    /** PEM of a client certificate the server trusts (for mutual TLS). */
    public Path clientCertificateFile() {
        return clientCertificateFile;
    }

    /** Unencrypted PKCS#8 PEM key of {@link #clientCertificateFile()}. */
    public Path clientKeyFile() {
        return clientKeyFile;
    }

    /**
     * Adds (or replaces) a bdb with one endpoint on port {@code 12000 + uid}; its availability starts at 200.
     */
    public RestApiEmulator addBdb(int uid, String dnsName, String... addr) {
        return addBdb(uid, 12000 + uid, dnsName, addr);
    }

    /**
     * Adds (or replaces) a bdb with one endpoint on {@code port} (the REST API's {@code endpoints[].port}); its
     * availability starts at 200. Several bdbs may share a DNS name or address and differ by port, as databases of
     * one Redis Enterprise cluster do.
     */
    public RestApiEmulator addBdb(int uid, int port, String dnsName, String... addr) {
        bdbs.put(String.valueOf(uid), new Bdb(uid, port, dnsName, List.of(addr)));
        availability.putIfAbsent(String.valueOf(uid), 200);
        return this;
    }

    /** Removes a bdb: its availability call then answers 404. */
    public RestApiEmulator removeBdb(int uid) {
        bdbs.remove(String.valueOf(uid));
        availability.remove(String.valueOf(uid));
        return this;
    }

    /** The status the availability call of {@code uid} answers: 200 healthy, 503 unavailable or lagging, ... */
    public RestApiEmulator setAvailability(int uid, int statusCode) {
        availability.put(String.valueOf(uid), statusCode);
        return this;
    }

    /** A delay before every answer (a slow REST server); zero for none. */
    public RestApiEmulator setDelay(Duration delay) {
        this.delay = Objects.requireNonNull(delay, "delay");
        return this;
    }

    /** The only credentials accepted from now on. */
    public RestApiEmulator setCredentials(String username, String password) {
        this.username = Objects.requireNonNull(username, "username");
        this.password = Objects.requireNonNull(password, "password");
        return this;
    }

    /** Whether new connections must present {@link #clientCertificateFile()} (default {@code false}). */
    public RestApiEmulator requireClientCertificate(boolean required) {
        this.needClientAuth = required;
        return this;
    }

    /** Path and query of every request received, in order (also unauthorized ones). */
    public List<String> requests() {
        return List.copyOf(requests);
    }

    /** Back to the state after {@link #start()}: no bdbs, no delay, default credentials, no client certificate, no requests. */
    public RestApiEmulator reset() {
        bdbs.clear();
        availability.clear();
        requests.clear();
        delay = Duration.ZERO;
        username = DEFAULT_USERNAME;
        password = DEFAULT_PASSWORD;
        needClientAuth = false;
        return this;
    }

    /** Stops the server and deletes the certificates. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        server.stop(0);
        executor.shutdownNow(); // interrupts answers held back by setDelay
        try {
            executor.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        deleteRecursively(dir);
    }

    @Override
    public String toString() {
        return "RestApiEmulator[https://" + HOST + ":" + port() + ", " + bdbs.size() + " bdbs]";
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange; InputStream ignored = exchange.getRequestBody()) {
            String path = exchange.getRequestURI().getRawPath();
            String query = exchange.getRequestURI().getRawQuery();
            requests.add(query == null ? path : path + "?" + query);
            Duration wait = delay;
            if (!wait.isZero()) {
                try {
                    Thread.sleep(wait.toMillis()); // the server side of a slow REST API, on its own thread
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
            if (!"GET".equals(exchange.getRequestMethod())) {
                respond(exchange, 405, error("method_not_allowed", "only GET is emulated"));
                return;
            }
            if (!authorized(exchange.getRequestHeaders().getFirst("Authorization"))) {
                exchange.getResponseHeaders().add("WWW-Authenticate", "Basic realm=\"Redis Enterprise\"");
                respond(exchange, 401, error("unauthorized", "invalid or missing credentials"));
                return;
            }
            if (path.equals("/v1/bdbs")) {
                List<Map<String, Object>> list = new ArrayList<>();
                for (Bdb bdb : bdbs.values()) {
                    list.add(bdb.json());
                }
                respond(exchange, 200, JSON.writeValueAsBytes(list));
                return;
            }
            Matcher m = AVAILABILITY.matcher(path);
            if (m.matches()) {
                Integer status = availability.get(m.group(1));
                if (status == null || !bdbs.containsKey(m.group(1))) {
                    respond(exchange, 404, error("db_not_exist", "bdb " + m.group(1) + " does not exist"));
                } else if (status >= 200 && status < 300) {
                    respond(exchange, status, "{}".getBytes(StandardCharsets.UTF_8));
                } else {
                    respond(exchange, status, error("bdb_unavailable", "database unavailable or lag above tolerance"));
                }
                return;
            }
            respond(exchange, 404, error("not_found", "no such path"));
        }
    }

    private boolean authorized(String header) {
        String expected = "Basic " + Base64.getEncoder().encodeToString((username + ":" + password).getBytes(StandardCharsets.UTF_8));
        return expected.equals(header);
    }

    private static byte[] error(String code, String description) throws IOException {
        Map<String, String> body = new LinkedHashMap<>();
        body.put("error_code", code);
        body.put("description", description);
        return JSON.writeValueAsBytes(body);
    }

    private static void respond(HttpExchange exchange, int status, byte[] body) throws IOException {
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    /** A PKCS#12 key store with one EC key pair and its self-signed certificate, made by the JDK's keytool. */
    private KeyStore generate(String alias, char[] storePassword) throws IOException, GeneralSecurityException {
        Path store = dir.resolve(alias + ".p12");
        String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
        List<String> command = new ArrayList<>(List.of(keytool, "-genkeypair", "-alias", alias,
                "-keyalg", "EC", "-groupname", "secp256r1", "-validity", "7",
                "-dname", "CN=" + (alias.equals("server") ? "localhost" : "multidb-test-client"),
                "-storetype", "PKCS12", "-keystore", store.toString(),
                "-storepass", new String(storePassword), "-keypass", new String(storePassword)));
        if (alias.equals("server")) {
            command.addAll(List.of("-ext", "SAN=ip:" + HOST + ",dns:localhost"));
        }
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output;
        try (InputStream in = process.getInputStream()) {
            output = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        try {
            if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
                process.destroyForcibly();
                throw new IllegalStateException("keytool failed to create the " + alias + " certificate: " + output);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating certificates", e);
        }
        KeyStore keyStore = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(store)) {
            keyStore.load(in, storePassword);
        }
        return keyStore;
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }

    private static void deleteRecursively(Path root) {
        try (Stream<Path> paths = Files.walk(root)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException | UncheckedIOException ignored) {
            // best effort: it is a temp dir
        }
    }

    private record Bdb(int uid, int port, String dnsName, List<String> addr) {
        Map<String, Object> json() {
            Map<String, Object> endpoint = new LinkedHashMap<>();
            endpoint.put("uid", uid + ":1");
            endpoint.put("dns_name", dnsName);
            endpoint.put("addr", addr);
            endpoint.put("port", port);
            endpoint.put("addr_type", "external");
            Map<String, Object> bdb = new LinkedHashMap<>();
            bdb.put("uid", uid);
            bdb.put("endpoints", List.of(endpoint));
            return bdb;
        }
    }
}
