package dev.multidb.database;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.SslOptions;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;

import dev.multidb.DatabaseConfig;
import dev.multidb.LoggedWarnings;

/** Options that would let a member connection reconnect, replay or buffer by itself are overridden. */
class MemberClientsTest {

    @Test
    void userOptionsThatReplayOrBufferAreOverridden() {
        ClientResources resources = DefaultClientResources.create();
        try {
            DatabaseConfig config = DatabaseConfig.builder().fromUrl("redis://127.0.0.1:6379")
                    .clientOptions(ClientOptions.builder().autoReconnect(true)
                            .disconnectedBehavior(ClientOptions.DisconnectedBehavior.ACCEPT_COMMANDS).build())
                    .build();
            RedisClient client = MemberClients.clientFor(config, resources, Duration.ofSeconds(1));
            ClientOptions options = client.getOptions();
            assertThat(options.isAutoReconnect()).isFalse();
            assertThat(options.getDisconnectedBehavior()).isEqualTo(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS);
            assertThat(options.getTimeoutOptions().isTimeoutCommands()).isTrue();
            client.shutdown();
        } finally {
            resources.shutdown();
        }
    }

    @Test
    void aTimeoutTheUrlSetIsReplacedByTheCommandTimeoutAndTheOverrideIsLogged() {
        DatabaseConfig config = DatabaseConfig.builder().fromUrl("redis://127.0.0.1:6379?timeout=10s").name("east").build();
        var built = LoggedWarnings.capture(MemberClients.class,
                () -> MemberClients.withHandshakeTimeout(config, Duration.ofSeconds(1)));

        assertThat(built.value().getTimeout()).isEqualTo(Duration.ofSeconds(1));
        assertThat(built.warnings()).singleElement().satisfies(r -> assertThat(r.getMessage())
                .contains("'east'").contains("PT10S").contains("PT1S"));
    }

    @Test
    void aUrlWithoutItsOwnTimeoutIsNotLoggedAbout() {
        DatabaseConfig config = DatabaseConfig.builder().fromUrl("redis://127.0.0.1:6379").build();
        var built = LoggedWarnings.capture(MemberClients.class,
                () -> MemberClients.withHandshakeTimeout(config, Duration.ofSeconds(1)));
        assertThat(built.value().getTimeout()).isEqualTo(Duration.ofSeconds(1));
        assertThat(built.warnings()).isEmpty();
    }

    @Test
    void optionsGivenForTlsKeepTheClientsConnectTimeoutUnlessTheySetTheirOwn() {
        ClientOptions tlsOnly = ClientOptions.builder().sslOptions(SslOptions.builder().build()).build();
        ClientOptions ownTimeout = ClientOptions.builder()
                .socketOptions(SocketOptions.builder().connectTimeout(Duration.ofMillis(1500)).build()).build();

        assertThat(MemberClients.withConnectTimeout(tlsOnly, Duration.ofSeconds(2)).getSocketOptions().getConnectTimeout())
                .isEqualTo(Duration.ofSeconds(2));
        assertThat(MemberClients.withConnectTimeout(tlsOnly, Duration.ofSeconds(2)).getSslOptions())
                .isSameAs(tlsOnly.getSslOptions());
        assertThat(MemberClients.withConnectTimeout(ownTimeout, Duration.ofSeconds(2)).getSocketOptions().getConnectTimeout())
                .isEqualTo(Duration.ofMillis(1500));
    }
}
