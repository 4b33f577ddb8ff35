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
}
