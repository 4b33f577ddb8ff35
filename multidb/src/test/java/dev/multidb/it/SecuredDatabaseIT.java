package dev.multidb.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisCredentials;
import io.lettuce.core.RedisCredentialsProvider;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.SslOptions;
import reactor.core.publisher.Mono;

import dev.multidb.DatabaseConfig;
import dev.multidb.HealthStatusChangedEvent;
import dev.multidb.MultiDbClient;
import dev.multidb.MultiDbConfig;
import dev.multidb.MultiDbEvent;
import dev.multidb.MultiDbStatus.DatabaseStatus;
import dev.multidb.NoValidDatabaseException;
import dev.multidb.circuit.CircuitState;
import dev.multidb.health.InitialHealthCheckPolicy;
import dev.multidb.testkit.RedisServer;
import dev.multidb.testkit.TestCertificates;

/**
 * Databases behind TLS (host name verified, mutual TLS) and ACL users, against real TLS redis-servers: what
 * works, what is refused and how clearly, and that no secret leaks into a log, a status, an event or an exception.
 */
class SecuredDatabaseIT {

    private static final String ADMIN_PASSWORD = "adm1n-Secret-4821";
    private static final String APP_PASSWORD = "app-Secret-7719";
    private static final String WRONG_PASSWORD = "wr0ng-Secret-3390";
    private static final String ROTATED_PASSWORD = "r0tated-Secret-5562";
    private static final String[] SECRETS = {ADMIN_PASSWORD, APP_PASSWORD, WRONG_PASSWORD, ROTATED_PASSWORD};

    private static TestCertificates certificates;

    private final List<AutoCloseable> closeables = new CopyOnWriteArrayList<>();
    private final List<MultiDbEvent> events = new CopyOnWriteArrayList<>();
    private final LogCapture logs = new LogCapture();

    @BeforeAll
    static void makeCertificates() {
        certificates = TestCertificates.create();
    }

    @AfterAll
    static void deleteCertificates() {
        certificates.close();
    }

    @BeforeEach
    void captureLogs() {
        // Everything multidb logs, at every level; Lettuce and Netty down to DEBUG. Lettuce's TRACE protocol log
        // prints the raw bytes it sends, AUTH included: that level is for a lab, never production (README).
        Logger.getLogger("").addHandler(logs);
        Logger.getLogger("").setLevel(Level.FINE);
        Logger.getLogger("dev.multidb").setLevel(Level.ALL);
    }

    @AfterEach
    void closeEverything() throws Exception {
        for (AutoCloseable c : closeables) {
            c.close();
        }
        Logger.getLogger("").removeHandler(logs);
        Logger.getLogger("").setLevel(Level.INFO);
        Logger.getLogger("dev.multidb").setLevel(null);
    }

    private <T extends AutoCloseable> T closeLater(T closeable) {
        closeables.add(0, closeable);
        return closeable;
    }

    /** A TLS server with an admin password (the default user, for the test kit) and the ACL user {@code app}. */
    private RedisServer tlsServer(RedisServer.Tls tls) {
        return closeLater(RedisServer.startTls(tls, "--requirepass", ADMIN_PASSWORD,
                "--user", "app", "on", ">" + APP_PASSWORD, "~*", "&*", "+@all"));
    }

    private static ClientOptions tlsOptions(boolean presentClientCertificate) {
        SslOptions.Builder ssl = SslOptions.builder().jdkSslProvider().trustManager(certificates.caFile().toFile());
        if (presentClientCertificate) {
            ssl.keyManager(certificates.client().certificateFile().toFile(), certificates.client().keyFile().toFile(), null);
        }
        return ClientOptions.builder().sslOptions(ssl.build())
                .socketOptions(SocketOptions.builder().connectTimeout(Duration.ofSeconds(3)).build()).build();
    }

    private static DatabaseConfig secured(String name, String url, double weight, ClientOptions options) {
        return DatabaseConfig.builder().fromUrl(url).name(name).weight(weight).gracePeriod(Duration.ofMillis(500))
                .clientOptions(options).build();
    }

    private MultiDbClient<String, String> client(DatabaseConfig east, DatabaseConfig west) {
        MultiDbConfig config = MultiDbConfig.builder().database(east).database(west)
                .healthCheckInterval(Duration.ofMillis(200))
                .healthCheckDelay(Duration.ofMillis(50))
                .initialHealthCheckPolicy(InitialHealthCheckPolicy.ONE_AVAILABLE)
                .connectTimeout(Duration.ofSeconds(3))
                .build();
        MultiDbClient<String, String> client = closeLater(MultiDbClient.create(config));
        client.addListener(MultiDbEvent.class, events::add);
        return client;
    }

    private static DatabaseStatus status(MultiDbClient<?, ?> client, String name) {
        return client.status().databases().stream().filter(d -> d.name().equals(name)).findFirst().orElseThrow();
    }

    private static String appUrl(RedisServer server, String password) {
        return "rediss://app:" + password + "@127.0.0.1:" + server.port();
    }

    @Test
    void rediss_withTheHostNameVerified_carriesTrafficAsAnAclUser() {
        RedisServer east = tlsServer(RedisServer.Tls.of(certificates, false));
        RedisServer west = tlsServer(RedisServer.Tls.of(certificates, false));
        MultiDbClient<String, String> client = client(secured("east", appUrl(east, APP_PASSWORD), 1.0, tlsOptions(false)),
                secured("west", appUrl(west, APP_PASSWORD), 0.5, tlsOptions(false)));

        client.sync().set("k", "over-tls");

        assertThat(client.sync().get("k")).isEqualTo("over-tls");
        assertThat(client.sync().aclWhoami()).isEqualTo("app");
        assertThat(east.command("GET", "k")).isEqualTo("over-tls");
        assertThat(client.activeDatabase().name()).isEqualTo("east");
        assertThat(status(client, "east").endpoint()).startsWith("rediss://app:***@127.0.0.1:");
        assertNoSecretAnywhere(client);
    }

    @Test
    void aCertificateForAnotherHostIsRefusedWithAClearReason() {
        TestCertificates.Issued otherHost = certificates.issueServer("other-host", "dns:db.example.invalid");
        RedisServer east = tlsServer(new RedisServer.Tls(certificates, otherHost, false));
        RedisServer west = tlsServer(RedisServer.Tls.of(certificates, false));
        MultiDbClient<String, String> client = client(secured("east", appUrl(east, APP_PASSWORD), 1.0, tlsOptions(false)),
                secured("west", appUrl(west, APP_PASSWORD), 0.5, tlsOptions(false)));

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                assertThat(status(client, "east").lastFailure()).isNotNull());

        assertThat(status(client, "east").lastFailure())
                .contains("TLS handshake with database 'east' failed", "127.0.0.1", "peer verification FULL",
                        "the server's certificate is not valid for this host");
        assertThat(client.activeDatabase().name()).isEqualTo("west");
        assertThat(client.sync().set("k", "v")).isEqualTo("OK");
        assertThat(west.command("GET", "k")).isEqualTo("v");
        assertThat(east.command("DBSIZE")).isEqualTo("0");
        assertNoSecretAnywhere(client);
    }

    @Test
    void mutualTls_aClientCertificateIsPresentedAndItsAbsenceRefusedClearly() {
        RedisServer east = tlsServer(RedisServer.Tls.of(certificates, true));
        RedisServer west = tlsServer(RedisServer.Tls.of(certificates, true));
        MultiDbClient<String, String> client = client(secured("east", appUrl(east, APP_PASSWORD), 1.0, tlsOptions(false)),
                secured("west", appUrl(west, APP_PASSWORD), 0.5, tlsOptions(true)));

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                assertThat(status(client, "east").lastFailure()).isNotNull());

        assertThat(status(client, "east").lastFailure()).contains("TLS handshake with database 'east' failed",
                "the server requires a client certificate");
        assertThat(client.activeDatabase().name()).isEqualTo("west");
        client.sync().set("k", "mtls");
        assertThat(west.command("GET", "k")).isEqualTo("mtls");
        assertThat(status(client, "west").healthy()).isTrue();
        assertNoSecretAnywhere(client);
    }

    @Test
    void aWrongPassword_saysAuthenticationFailed_opensTheCircuit_retriesAtTheHealthCheckPace_andLeaksNothing()
            throws Exception {
        RedisServer east = tlsServer(RedisServer.Tls.of(certificates, false));
        RedisServer west = tlsServer(RedisServer.Tls.of(certificates, false));
        MultiDbClient<String, String> client = client(secured("east", appUrl(east, WRONG_PASSWORD), 1.0, tlsOptions(false)),
                secured("west", appUrl(west, APP_PASSWORD), 0.5, tlsOptions(false)));

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                assertThat(status(client, "east").circuit()).isEqualTo(CircuitState.OPEN));
        assertThat(status(client, "east").lastFailure()).contains("authentication failed for database 'east'", "WRONGPASS");
        // Events reach listeners on the event thread, a moment later.
        await().atMost(Duration.ofSeconds(2)).untilAsserted(() -> assertThat(events)
                .filteredOn(HealthStatusChangedEvent.class::isInstance).map(HealthStatusChangedEvent.class::cast)
                .filteredOn(e -> e.database().name().equals("east") && !e.healthy())
                .anySatisfy(e -> assertThat(e.cause()).hasMessageContaining("authentication failed for database 'east'")));

        // Traffic keeps flowing to west, and east is tried at the health check's pace, not in a loop.
        long before = east.connectionsReceived();
        long started = System.nanoTime();
        for (int i = 0; i < 300; i++) {
            client.sync().set("k" + i, "v");
        }
        // Two seconds in which east stays out of rotation: the window the connection attempts are counted over.
        await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(4)).until(() -> "west".equals(client.activeDatabase().name()));
        long elapsedMillis = Duration.ofNanos(System.nanoTime() - started).toMillis();
        long attempts = east.connectionsReceived() - before - 1; // the test kit's own INFO counts once
        // One health check per 200 ms interval, each at most 3 probes on a fresh connection: <= 15/s at worst.
        System.out.println("connection attempts to east with a wrong password: " + attempts + " in " + elapsedMillis + " ms");
        assertThat(attempts).as("connections to east in %d ms", elapsedMillis).isLessThanOrEqualTo(elapsedMillis * 15 / 1000 + 3);
        assertThat(west.command("DBSIZE")).isEqualTo("300");

        // A client that cannot start says the same, without the password.
        MultiDbConfig allRequired = MultiDbConfig.builder()
                .database(secured("east", appUrl(east, WRONG_PASSWORD), 1.0, tlsOptions(false)))
                .initialHealthCheckPolicy(InitialHealthCheckPolicy.ALL_AVAILABLE).connectTimeout(Duration.ofSeconds(3)).build();
        assertThatThrownBy(() -> closeLater(MultiDbClient.create(allRequired)))
                .isInstanceOf(NoValidDatabaseException.class)
                .hasMessageContaining("authentication failed for database 'east'")
                .satisfies(e -> assertThat(fullText(e)).doesNotContain(SECRETS));
        assertNoSecretAnywhere(client);
    }

    @Test
    void credentialsRotatedThroughACredentialsProviderTakeEffectWithoutAFailover() {
        RedisServer east = tlsServer(RedisServer.Tls.of(certificates, false));
        RedisServer west = tlsServer(RedisServer.Tls.of(certificates, false));
        AtomicReference<RedisCredentials> current = new AtomicReference<>(RedisCredentials.just("app", APP_PASSWORD));
        RedisCredentialsProvider rotating = () -> Mono.fromSupplier(current::get);
        RedisURI eastUri = RedisURI.builder().withHost("127.0.0.1").withPort(east.port()).withSsl(true)
                .withAuthentication(rotating).build();
        DatabaseConfig eastConfig = DatabaseConfig.builder().fromUri(eastUri).name("east").weight(1.0)
                .gracePeriod(Duration.ofMillis(500)).clientOptions(tlsOptions(false)).build();
        MultiDbClient<String, String> client = client(eastConfig, secured("west", appUrl(west, APP_PASSWORD), 0.5, tlsOptions(false)));
        client.sync().set("before", "1");
        long changes = client.activeDatabaseChanges();

        // The secret store rotates: the server takes the new password only, and drops the sessions of the old one.
        east.command("ACL", "SETUSER", "app", "resetpass", ">" + ROTATED_PASSWORD);
        current.set(RedisCredentials.just("app", ROTATED_PASSWORD));
        east.command("CLIENT", "KILL", "USER", "app");

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(client.sync().set("after", "2")).isEqualTo("OK"));
        assertThat(east.command("GET", "after")).isEqualTo("2");
        assertThat(client.activeDatabaseChanges()).isEqualTo(changes);
        assertThat(client.activeDatabase().name()).isEqualTo("east");
        assertThat(status(client, "east").healthy()).isTrue();
        assertNoSecretAnywhere(client);
    }

    /** Every log record, event, the status and the given exceptions: none may hold a password. */
    private void assertNoSecretAnywhere(MultiDbClient<?, ?> client) {
        assertThat(client.status().toString() + client.status().toJson()).doesNotContain(SECRETS);
        for (MultiDbEvent event : events) {
            assertThat(event.toString()).doesNotContain(SECRETS);
            if (event instanceof HealthStatusChangedEvent health && health.cause() != null) {
                assertThat(fullText(health.cause())).doesNotContain(SECRETS);
            }
        }
        assertThat(client.databases().toString()).doesNotContain(SECRETS);
        assertThat(logs.text()).doesNotContain(SECRETS);
    }

    /** A throwable with its whole cause chain and suppressed exceptions, as a stack trace prints it. */
    private static String fullText(Throwable t) {
        StringWriter out = new StringWriter();
        t.printStackTrace(new PrintWriter(out));
        return out.toString();
    }

    /** Every JUL record (System.Logger's default back end), formatted with its parameters and throwable. */
    private static final class LogCapture extends Handler {
        private final List<String> lines = new CopyOnWriteArrayList<>();

        @Override
        public void publish(LogRecord record) {
            String message = record.getMessage();
            if (record.getParameters() != null) {
                message = message + " " + List.of(record.getParameters());
            }
            lines.add(record.getLoggerName() + " " + record.getLevel() + " " + message
                    + (record.getThrown() == null ? "" : "\n" + fullText(record.getThrown())));
        }

        String text() {
            return String.join("\n", lines);
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    }
}
