package dev.multidb.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.logging.LogRecord;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.lettuce.core.RedisURI;
import io.lettuce.core.api.async.RedisAsyncCommands;

import dev.multidb.Database;
import dev.multidb.circuit.CircuitState;
import dev.multidb.testkit.RestApiEmulator;

class LagAwareHealthCheckTest {

    private static final String HOST = "redis-12001.cluster.test";
    private static final String LIST = "/v1/bdbs?fields=uid,endpoints";

    private static RestApiEmulator api;

    @BeforeAll
    static void startEmulator() {
        api = RestApiEmulator.start(); // one per class: making its certificates takes two keytool runs
    }

    @AfterAll
    static void stopEmulator() {
        api.close();
    }

    @BeforeEach
    void resetEmulator() {
        api.reset();
        api.addBdb(1, HOST, "10.0.0.1");
    }

    /** Verified TLS against the emulator's CA, its credentials, its port. */
    private static LagAwareHealthCheck.Builder trusted() {
        return LagAwareHealthCheck.builder()
                .restApiPort(api.port())
                .caFile(api.caFile())
                .basicAuth(RestApiEmulator.DEFAULT_USERNAME, RestApiEmulator.DEFAULT_PASSWORD)
                .httpTimeout(Duration.ofSeconds(5));
    }

    @Test
    void healthyWhenTheAvailabilityCallAnswers200() throws Exception {
        assertThat(check(trusted().build(), database(HOST, api.url()))).isTrue();
        assertThat(api.requests()).containsExactly(LIST,
                "/v1/bdbs/1/availability?extend_check=lag&availability_lag_tolerance_ms=5000");
    }

    @Test
    void unhealthyWhenTheDatabaseLags() throws Exception {
        api.setAvailability(1, 503);
        HealthCheckFailedException e = lags(trusted().lagTolerance(Duration.ofMillis(250)).build(), database(HOST, api.url()));
        assertThat(e).hasMessageContainingAll("database 'db-" + HOST + ":12001' lags", "lagTolerance 250 ms", "503",
                "bdb 1").hasMessageNotContaining(RestApiEmulator.DEFAULT_PASSWORD);
    }

    @Test
    void sendsTheConfiguredLagTolerance() throws Exception {
        check(trusted().lagTolerance(Duration.ofMillis(250)).build(), database(HOST, api.url()));
        assertThat(api.requests()).contains("/v1/bdbs/1/availability?extend_check=lag&availability_lag_tolerance_ms=250");
    }

    @Test
    void unknownBdbIsUnhealthyAndSaysSo() {
        RestApiException e = failure(trusted().build(), database("redis-99.cluster.test", api.url()));
        assertThat(e).hasMessageContaining("unknown bdb").hasMessageContaining("redis-99.cluster.test");
        assertThat(api.requests()).containsExactly(LIST);
    }

    @Test
    void matchesByAddressWhenNoDnsNameMatches() throws Exception {
        api.addBdb(7, "other.cluster.test", "10.1.2.3", "10.1.2.4");
        assertThat(check(trusted().build(), database("10.1.2.4", api.url(), 12007))).isTrue();
        assertThat(api.requests()).last().asString().startsWith("/v1/bdbs/7/availability");
    }

    @Test
    void aDnsNameMatchWinsOverAnAddressMatch() throws Exception {
        api.removeBdb(1);
        api.addBdb(2, 12001, "some.cluster.test", HOST); // listed first, and has HOST as an address
        api.addBdb(3, 12001, HOST.toUpperCase(), "10.9.9.9"); // has it as its DNS name (names are case-insensitive)
        assertThat(check(trusted().build(), database(HOST, api.url()))).isTrue();
        assertThat(api.requests()).last().asString().startsWith("/v1/bdbs/3/availability");
    }

    @Test
    void twoDatabasesOnOneAddressAreMatchedByPortToo() throws Exception {
        api.removeBdb(1);
        api.addBdb(5, 12005, HOST, "10.0.0.1");
        api.addBdb(6, 12006, HOST, "10.0.0.1");
        api.setAvailability(5, 200);
        api.setAvailability(6, 503); // only the second one lags
        LagAwareHealthCheck check = trusted().build(); // one instance serves both, with its uid cache
        Database first = database(HOST, api.url(), 12005);
        Database second = database(HOST, api.url(), 12006);

        assertThat(check(check, first)).isTrue();
        assertThat(api.requests()).last().asString().startsWith("/v1/bdbs/5/availability");
        lags(check, second);
        assertThat(api.requests()).last().asString().startsWith("/v1/bdbs/6/availability");
        assertThat(check(check, first)).isTrue(); // the cache keeps them apart
        assertThat(api.requests()).last().asString().startsWith("/v1/bdbs/5/availability");

        // By address too.
        Database byAddress = database("10.0.0.1", api.url(), 12006);
        lags(check, byAddress);
        assertThat(api.requests()).last().asString().startsWith("/v1/bdbs/6/availability");
    }

    @Test
    void aDatabaseOnAPortNoBdbListensOnIsAnUnknownBdb() {
        RestApiException e = failure(trusted().build(), database(HOST, api.url(), 16379));
        assertThat(e).hasMessageContaining("unknown bdb").hasMessageContaining(HOST + ":16379");
    }

    @Test
    void cachesTheUidAndDropsItAfterARestError() throws Exception {
        LagAwareHealthCheck check = trusted().build();
        Database db = database(HOST, api.url());
        assertThat(check(check, db)).isTrue();
        assertThat(check(check, db)).isTrue();
        api.setAvailability(1, 503); // a verdict, not an error: the uid stays
        lags(check, db);
        assertThat(api.requests().stream().filter(LIST::equals)).hasSize(1);

        api.setAvailability(1, 500);
        assertThat(failure(check, db).statusCode()).isEqualTo(500);
        api.setAvailability(1, 200);
        assertThat(check(check, db)).isTrue();
        assertThat(api.requests().stream().filter(LIST::equals)).hasSize(2);
    }

    @Test
    void aRecreatedBdbIsFoundAgain() throws Exception {
        LagAwareHealthCheck check = trusted().build();
        Database db = database(HOST, api.url());
        assertThat(check(check, db)).isTrue();
        api.removeBdb(1).addBdb(4, 12001, HOST);
        assertThat(failure(check, db).statusCode()).isEqualTo(404);
        assertThat(check(check, db)).isTrue();
        assertThat(api.requests()).last().asString().startsWith("/v1/bdbs/4/availability");
    }

    @Test
    void wrongCredentialsAreUnhealthyWithoutLeakingThePassword() {
        LagAwareHealthCheck check = trusted().basicAuth("intruder", "not-the-password").build();
        RestApiException e = failure(check, database(HOST, api.url()));
        assertThat(e.statusCode()).isEqualTo(401);
        assertThat(e).hasMessageContaining("401").hasMessageContaining("intruder").hasMessageNotContaining("not-the-password");
        assertThat(check.toString()).contains("username=intruder", "password=***").doesNotContain("not-the-password");
    }

    @Test
    void missingCredentialsSaySo() {
        LagAwareHealthCheck check = LagAwareHealthCheck.builder().restApiPort(api.port()).caFile(api.caFile()).build();
        assertThat(failure(check, database(HOST, api.url()))).hasMessageContaining("401").hasMessageContaining("basicAuth");
    }

    @Test
    void anUntrustedCertificateIsUnhealthy() {
        LagAwareHealthCheck check = LagAwareHealthCheck.builder().restApiPort(api.port())
                .basicAuth(RestApiEmulator.DEFAULT_USERNAME, RestApiEmulator.DEFAULT_PASSWORD).build();
        assertThat(failure(check, database(HOST, api.url()))).hasMessageContaining("TLS");
        assertThat(api.requests()).isEmpty();
    }

    @Test
    void verifyTlsFalseAcceptsAnyCertificate() throws Exception {
        LagAwareHealthCheck check = LagAwareHealthCheck.builder().restApiPort(api.port()).verifyTls(false)
                .basicAuth(RestApiEmulator.DEFAULT_USERNAME, RestApiEmulator.DEFAULT_PASSWORD).build();
        assertThat(check(check, database(HOST, api.url()))).isTrue();
        // the certificate names 127.0.0.1 and localhost only: a host-name mismatch is accepted too
        assertThat(check(check, database(HOST, "https://localhost"))).isTrue();
    }

    @Test
    void verifyTlsFalseWithBasicAuthLogsAWarning() {
        List<LogRecord> withoutAuth = warningsWhileBuilding(LagAwareHealthCheck.builder().verifyTls(false));
        List<LogRecord> withAuth = warningsWhileBuilding(LagAwareHealthCheck.builder().verifyTls(false)
                .basicAuth("monitor", "hunter2"));
        List<LogRecord> verified = warningsWhileBuilding(LagAwareHealthCheck.builder().basicAuth("monitor", "hunter2"));

        assertThat(withoutAuth).isEmpty();
        assertThat(verified).isEmpty();
        assertThat(withAuth).singleElement().extracting(LogRecord::getMessage).asString()
                .contains("verifyTls(false)", "monitor", "certificate and host name").doesNotContain("hunter2");
    }

    @Test
    void mutualTlsWithTheClientCertificate() throws Exception {
        api.requireClientCertificate(true);
        LagAwareHealthCheck withCertificate = trusted()
                .clientCertificate(api.clientCertificateFile()).clientKey(api.clientKeyFile()).build();
        assertThat(check(withCertificate, database(HOST, api.url()))).isTrue();

        LagAwareHealthCheck without = trusted().build();
        assertThatThrownBy(() -> check(without, database(HOST, api.url()))).isInstanceOf(ExecutionException.class)
                .cause().isInstanceOf(RestApiException.class);
    }

    @Test
    void aSlowRestServerIsUnhealthy() {
        api.setDelay(Duration.ofSeconds(3));
        LagAwareHealthCheck check = trusted().httpTimeout(Duration.ofMillis(300)).build();
        assertThat(failure(check, database(HOST, api.url()))).hasMessageContaining("timeout").hasMessageContaining("300 ms");
    }

    @Test
    void aUrlWithoutSchemeMeansHttps() throws Exception {
        assertThat(check(trusted().build(), database(HOST, "127.0.0.1"))).isTrue();
    }

    @Test
    void aDatabaseWithoutHealthCheckUrlIsUnhealthy() {
        assertThat(failure(trusted().build(), database(HOST, null))).hasMessageContaining("has no healthCheckUrl");
    }

    @Test
    void neverSendsCredentialsOverPlainHttp() {
        assertThat(failure(trusted().build(), database(HOST, "http://127.0.0.1"))).hasMessageContaining("plain HTTP");
        assertThat(api.requests()).isEmpty();
    }

    @Test
    void baseUrlKeepsAnExplicitPortAndAProxyPath() {
        assertThat(LagAwareHealthCheck.baseUrl("cluster.example.com", 9443)).isEqualTo("https://cluster.example.com:9443");
        assertThat(LagAwareHealthCheck.baseUrl("https://cluster.example.com/", 9443)).isEqualTo("https://cluster.example.com:9443");
        assertThat(LagAwareHealthCheck.baseUrl("https://proxy.example.com:8443/re/", 9443)).isEqualTo("https://proxy.example.com:8443/re");
        assertThatThrownBy(() -> LagAwareHealthCheck.baseUrl("https://admin:hunter2@cluster.example.com", 9443))
                .hasMessageContaining("must not carry credentials").hasMessageNotContaining("hunter2");
    }

    @Test
    void builderRejectsInvalidOptionsByName() {
        assertThatThrownBy(() -> LagAwareHealthCheck.builder().restApiPort(0).build()).hasMessageContaining("restApiPort");
        assertThatThrownBy(() -> LagAwareHealthCheck.builder().httpTimeout(Duration.ZERO).build()).hasMessageContaining("httpTimeout");
        assertThatThrownBy(() -> LagAwareHealthCheck.builder().clientCertificate(api.clientCertificateFile()).build())
                .hasMessageContaining("clientKey");
        assertThatThrownBy(() -> LagAwareHealthCheck.builder().caFile(Path.of("/nonexistent/ca.pem")).build())
                .hasMessageContaining("caFile");
        assertThatThrownBy(() -> LagAwareHealthCheck.builder().clientCertificate(api.clientCertificateFile())
                .clientKey(api.clientCertificateFile()).build()).hasMessageContaining("PKCS#8");
        assertThat(LagAwareHealthCheck.builder().build().toString())
                .isEqualTo("LagAwareHealthCheck[restApiPort=9443, lagTolerance=5000ms, verifyTls=true, httpTimeout=1000ms]");
    }

    // --- helpers

    /** WARNING records of the check's logger while {@code builder} builds. */
    private static List<LogRecord> warningsWhileBuilding(LagAwareHealthCheck.Builder builder) {
        return dev.multidb.LoggedWarnings.capture(LagAwareHealthCheck.class, builder::build).warnings();
    }

    private static boolean check(LagAwareHealthCheck check, Database db) throws Exception {
        return check.check(target(db)).toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    private static RestApiException failure(LagAwareHealthCheck check, Database db) {
        ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class, () -> check(check, db));
        assertThat(e.getCause()).isInstanceOf(RestApiException.class);
        return (RestApiException) e.getCause();
    }

    /** The check's verdict "lags": a {@link HealthCheckFailedException} saying so, not a REST error. */
    private static HealthCheckFailedException lags(LagAwareHealthCheck check, Database db) {
        ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class, () -> check(check, db));
        assertThat(e.getCause()).isInstanceOf(HealthCheckFailedException.class).hasMessageContaining("lags");
        return (HealthCheckFailedException) e.getCause();
    }

    private static HealthCheckTarget target(Database db) {
        return new HealthCheckTarget() {
            @Override
            public Database database() {
                return db;
            }

            @Override
            public RedisAsyncCommands<String, String> commands() {
                throw new AssertionError("the lag-aware check must not use the Redis connection");
            }
        };
    }

    /** A {@link Database} with just what the check reads (a proxy, so new interface methods do not break it). */
    private static Database database(String host, String healthCheckUrl) {
        return database(host, healthCheckUrl, 12001); // bdb 1's port in the emulator
    }

    private static Database database(String host, String healthCheckUrl, int port) {
        RedisURI uri = RedisURI.create("redis://" + host + ":" + port);
        return (Database) Proxy.newProxyInstance(Database.class.getClassLoader(), new Class<?>[] {Database.class},
                (proxy, method, args) -> switch (method.getName()) {
                    case "name" -> "db-" + host + ":" + port;
                    case "uri" -> uri;
                    case "healthCheckUrl" -> healthCheckUrl;
                    case "weight" -> 1.0;
                    case "circuitState" -> CircuitState.CLOSED;
                    case "isHealthy" -> true;
                    case "toString" -> "Database[" + host + "]";
                    case "hashCode" -> System.identityHashCode(proxy);
                    case "equals" -> proxy == args[0];
                    default -> throw new UnsupportedOperationException(method.getName());
                });
    }
}
