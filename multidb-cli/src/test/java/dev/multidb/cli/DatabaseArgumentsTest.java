package dev.multidb.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class DatabaseArgumentsTest {

    @Test
    void aRawHashInThePasswordIsRejectedWithoutQuotingEitherHalf() {
        assertThatThrownBy(() -> DatabaseArguments.parse("redis://:pa#ssword@host"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContainingAll("redis://***@host", "%23")
                .hasMessageNotContaining("ssword").hasMessageNotContaining("pa#");
    }

    @Test
    void fragmentOptionsStillApply() {
        assertThat(DatabaseArguments.parse("redis://:p%23w@host:6380#weight=0.5&name=east"))
                .satisfies(db -> {
                    assertThat(db.weight()).isEqualTo(0.5);
                    assertThat(db.name()).isEqualTo("east");
                    assertThat(db.uri().getCredentialsProvider().resolveCredentials().block().getPassword()).containsExactly('p', '#', 'w');
                });
        assertThatThrownBy(() -> DatabaseArguments.parse("redis://host#colour=red")).hasMessageContaining("unknown option 'colour'");
    }
}
