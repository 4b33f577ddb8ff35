package dev.multidb.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.logging.Level;
import java.util.logging.LogRecord;

import org.junit.jupiter.api.Test;

import dev.multidb.DatabaseConfig;

class LibraryLoggingTest {

    @Test
    void verboseLinesAreScrubbedOfThePasswords() {
        Secrets secrets = Secrets.of(List.of(DatabaseConfig.builder().fromUrl("redis://:s3cret@host").build()));
        LogRecord record = new LogRecord(Level.WARNING, "AUTH s3cret refused");
        record.setLoggerName("io.lettuce.core.RedisChannelHandler");
        record.setThrown(new IllegalStateException("echoed s3cret"));

        String line = new LibraryLogging.OneLine(secrets).format(record);

        assertThat(line).contains("[log WARNING RedisChannelHandler] AUTH *** refused", "echoed ***").doesNotContain("s3cret");
    }
}
