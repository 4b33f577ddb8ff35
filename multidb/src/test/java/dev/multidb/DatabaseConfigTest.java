package dev.multidb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.logging.LogRecord;

import org.junit.jupiter.api.Test;

import io.lettuce.core.RedisURI;
import io.lettuce.core.SslVerifyMode;

class DatabaseConfigTest {

    @Test
    void unparsableUrlsNeverQuoteThePasswordInMessageOrStackTrace() {
        for (String url : List.of("redis://u:s3cr et@h", "redis://u:s3cr%zz@h", "rediss://u:s3cr^t@h")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> DatabaseConfig.builder().fromUrl(url).build());
            StringWriter trace = new StringWriter();
            e.printStackTrace(new PrintWriter(trace));

            assertThat(e.getMessage()).as(url).contains("fromUrl is not a valid Redis URL", "://***@h");
            assertThat(trace.toString()).as(url).doesNotContain("s3cr");
        }
    }

    @Test
    void aLettuceMessageQuotingPartOfThePasswordIsWithheld() {
        // The raw '/' ends the authority, so Lettuce reads "ssword@h" as the database number and quotes it.
        assertThatThrownBy(() -> DatabaseConfig.builder().fromUrl("redis://u:pa/ssword@h").build())
                .hasMessageContaining("redis://***@h").hasMessageNotContaining("ssword");
    }

    @Test
    void urlsWithoutSchemeSlashesDoNotLeakThePassword() {
        assertThatThrownBy(() -> DatabaseConfig.builder().fromUrl("redis:/u:s3cret@h").build())
                .hasMessageContaining("redis:/***@h").hasMessageNotContaining("s3cret");
        assertThatThrownBy(() -> DatabaseConfig.builder().fromUrl("u:s3cret@h").build())
                .hasMessageContaining("***@h").hasMessageNotContaining("s3cret");
    }

    @Test
    void aNonNumericOrOutOfRangePortIsRefusedNamingIt() {
        for (String url : List.of("redis://127.0.0.1:notaport", "rediss://127.0.0.1:notaport", "redis://h:notaport/0",
                "redis://u:s3cret@127.0.0.1:notaport", "rediss://:s3cret@h:notaport", "redis://[::1]:notaport",
                "redis://h:70000", "redis://h:0", "redis://h:", "redis://h:-1", "redis://h:6379x")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> DatabaseConfig.builder().fromUrl(url).build(), url);
            String port = url.substring(url.lastIndexOf(':') + 1).replace("/0", "");
            assertThat(e.getMessage()).as(url).contains("fromUrl", "port '" + port + "'").doesNotContain("s3cret");
        }
    }

    @Test
    void validPortsStillParseIncludingIpv6Literals() {
        assertThat(DatabaseConfig.builder().fromUrl("redis://[::1]:6380").build().uri())
                .satisfies(uri -> {
                    assertThat(uri.getHost()).contains("::1"); // Lettuce keeps the brackets, which InetAddress accepts
                    assertThat(uri.getPort()).isEqualTo(6380);
                });
        assertThat(DatabaseConfig.builder().fromUrl("redis://[::1]").build().uri().getPort()).isEqualTo(6379);
        assertThat(DatabaseConfig.builder().fromUrl("redis://u:p%3Aw@h:6381/2").build().uri())
                .satisfies(uri -> {
                    assertThat(uri.getHost()).isEqualTo("h");
                    assertThat(uri.getPort()).isEqualTo(6381);
                    assertThat(uri.getDatabase()).isEqualTo(2);
                });
        assertThat(DatabaseConfig.builder().fromUrl("rediss://:pw@h:6390?verifyPeer=FULL").build().uri().getPort())
                .isEqualTo(6390);
        assertThat(DatabaseConfig.builder().fromUrl("redis://h").build().uri().getPort()).isEqualTo(6379);
        assertThat(DatabaseConfig.builder().fromUrl("redis://h:65535").build().uri().getPort()).isEqualTo(65535);
    }

    @Test
    void healthCheckUrlWithCredentialsIsRejectedByName() {
        assertThatThrownBy(() -> DatabaseConfig.builder().fromUrl("redis://h")
                .healthCheckUrl("https://admin:hunter2@cluster.example.com").build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContainingAll("healthCheckUrl", "credentials", "https://***@cluster.example.com")
                .hasMessageNotContaining("hunter2");
    }

    @Test
    void toStringShowsTheHealthCheckUrl() {
        DatabaseConfig config = DatabaseConfig.builder().fromUrl("redis://h").healthCheckUrl("https://cluster.example.com").build();
        assertThat(config.toString()).contains("healthCheckUrl=https://cluster.example.com");
    }

    @Test
    void tlsIsFullyVerifiedByDefaultWithoutWarning() {
        Built built = buildLogging(DatabaseConfig.builder().fromUrl("rediss://h"));

        assertThat(built.config().uri().getVerifyMode()).isEqualTo(SslVerifyMode.FULL);
        assertThat(built.config().toString()).doesNotContain("verifyPeer");
        assertThat(built.warnings()).isEmpty();
    }

    @Test
    void verifyPeerNoneIsShownAndLoggedOnce() {
        Built built = buildLogging(DatabaseConfig.builder().fromUrl("rediss://:s3cret@h:6380?verifyPeer=NONE").name("east"));

        assertThat(built.config().toString()).contains("rediss://:***@h:6380?verifyPeer=NONE").doesNotContain("s3cret");
        assertThat(built.warnings()).singleElement().extracting(LogRecord::getMessage).asString()
                .contains("'east'", "NONE", "not checked").doesNotContain("s3cret");
    }

    @Test
    void setVerifyPeerFalseIsLoggedToo() {
        RedisURI uri = RedisURI.create("rediss://h:6380");
        uri.setVerifyPeer(false);

        Built built = buildLogging(DatabaseConfig.builder().fromUri(uri).name("west"));

        assertThat(built.warnings()).singleElement().extracting(LogRecord::getMessage).asString().contains("'west'", "NONE");
    }

    private record Built(DatabaseConfig config, List<LogRecord> warnings) {
    }

    private static Built buildLogging(DatabaseConfig.Builder builder) {
        LoggedWarnings.Captured<DatabaseConfig> built = LoggedWarnings.capture(DatabaseConfig.class, builder::build);
        return new Built(built.value(), built.warnings());
    }

    @Test
    void aSentinelGroupIsAMemberNamedAfterItsMaster_withItsSentinelsKeptAndItsPasswordMasked() {
        DatabaseConfig config = DatabaseConfig.builder()
                .fromUrl("redis-sentinel://:s3cret@10.0.0.1:26379,10.0.0.2:26380/2#orders").build();

        assertThat(config.name()).isEqualTo("orders");
        assertThat(config.uri().getSentinelMasterId()).isEqualTo("orders");
        assertThat(config.uri().getSentinels()).extracting(RedisURI::getPort).containsExactly(26379, 26380);
        assertThat(config.uri().getDatabase()).isEqualTo(2);
        assertThat(config.endpoint()).isEqualTo("sentinel:orders@[10.0.0.1:26379, 10.0.0.2:26380]/2");
        assertThat(config.toString()).contains("redis-sentinel://:***@10.0.0.1:26379,10.0.0.2:26380/2#orders")
                .doesNotContain("s3cret");
        RedisURI handshake = dev.multidb.database.MemberClients.withHandshakeTimeout(config, java.time.Duration.ofSeconds(1));
        assertThat(handshake.getSentinels()).hasSize(2);
        assertThat(handshake.getSentinelMasterId()).isEqualTo("orders");
        assertThat(handshake.getTimeout()).isEqualTo(java.time.Duration.ofSeconds(1));
    }

    @Test
    void aSentinelGroupWithoutItsMasterNameOrWithAPortIsRefused() {
        assertThatThrownBy(() -> DatabaseConfig.builder().fromUrl("redis-sentinel://10.0.0.1:26379").build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("sentinelMasterId");
        assertThatThrownBy(() -> DatabaseConfig.builder().fromUrl("redis-sentinel://10.0.0.1:26379#m").port(6380).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("port cannot be set for a Sentinel database");
    }
}
