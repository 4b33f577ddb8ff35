package dev.multidb;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

import io.lettuce.core.RedisURI;

class MaskingTest {

    @Test
    void maskUrlHidesEverythingBeforeTheLastAt() {
        assertThat(Masking.maskUrl("redis://u:s3cret@h:6379")).isEqualTo("redis://***@h:6379");
        // A raw '@' or '/' in the password must not end the hidden part early.
        assertThat(Masking.maskUrl("rediss://u:s3@cr/et@h")).isEqualTo("rediss://***@h");
        assertThat(Masking.maskUrl("redis://h:6379")).isEqualTo("redis://h:6379");
    }

    @Test
    void maskUrlHidesCredentialsWithoutSchemeSlashes() {
        assertThat(Masking.maskUrl("redis:/u:s3cret@h")).isEqualTo("redis:/***@h");
        assertThat(Masking.maskUrl("u:s3cret@h")).isEqualTo("***@h");
        // "u:" is a user name here, not a scheme: the slash belongs to the password.
        assertThat(Masking.maskUrl("u:/s3cret@h")).isEqualTo("***@h");
    }

    @Test
    void maskShowsAWeakTlsVerifyMode() {
        assertThat(Masking.mask(RedisURI.create("rediss://:s3cret@h:6380?verifyPeer=NONE")))
                .isEqualTo("rediss://:***@h:6380?verifyPeer=NONE");
        assertThat(Masking.mask(RedisURI.create("rediss://h:6380?verifyPeer=CA"))).isEqualTo("rediss://h:6380?verifyPeer=CA");
        assertThat(Masking.mask(RedisURI.create("rediss://h:6380"))).isEqualTo("rediss://h:6380");
    }
}
