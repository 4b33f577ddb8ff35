package dev.multidb.cli;

import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import io.lettuce.core.RedisCredentials;
import io.lettuce.core.RedisCredentialsProvider;

import dev.multidb.DatabaseConfig;

/**
 * The passwords of the databases given on the command line, to scrub from any free text printed
 * (exception messages, event causes). The library already masks endpoints; this is the second
 * line of defence for text it does not control, such as a driver's error message.
 */
final class Secrets {

    /**
     * Shorter passwords are not scrubbed: replacing every "ab" in the output would garble it, and
     * such a password is not worth hiding from the terminal it was typed into.
     */
    private static final int MIN_LENGTH = 3;
    private static final String MASK = "***";

    private final Set<String> passwords;

    private Secrets(Set<String> passwords) {
        this.passwords = passwords;
    }

    /** No passwords, for a command whose databases have none (the demo's). */
    static Secrets none() {
        return new Secrets(Set.of());
    }

    static Secrets of(List<DatabaseConfig> databases) {
        Set<String> passwords = new LinkedHashSet<>();
        for (DatabaseConfig db : databases) {
            RedisCredentialsProvider provider = db.uri().getCredentialsProvider();
            if (provider == null) {
                continue;
            }
            // URL credentials are an already-resolved Mono: this does not wait on anything.
            RedisCredentials credentials = provider.resolveCredentials().block(Duration.ofSeconds(1));
            if (credentials != null && credentials.hasPassword() && credentials.getPassword().length >= MIN_LENGTH) {
                passwords.add(new String(credentials.getPassword()));
            }
        }
        return new Secrets(Set.copyOf(passwords));
    }

    /** {@code text} with every known password replaced by {@code ***}; {@code null} stays {@code null}. */
    String scrub(String text) {
        if (text == null) {
            return null;
        }
        String result = text;
        for (String password : passwords) {
            result = result.replace(password, MASK);
        }
        return result;
    }
}
