package dev.multidb.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import dev.multidb.DatabaseConfig;
import dev.multidb.Masking;

/**
 * Turns the command-line arguments of {@code status} and {@code watch} into database
 * configurations. Each argument is a Redis URL with an optional fragment of options:
 *
 * <pre>
 * redis://[user:password@]host[:port][/db][#option=value&amp;option=value]
 * options: weight=&lt;positive number&gt; (default 1.0), name=&lt;text&gt; (default host:port)
 * </pre>
 *
 * The fragment is removed before the URL reaches {@link DatabaseConfig}, which would otherwise
 * reject or misread it. The fragment starts at the first {@code #}, as in any URL, so a password
 * containing {@code #} must be written {@code %23}. Every error message shows the URL masked, and a
 * fragment holding an {@code @} (a raw {@code #} in a password) is rejected without being quoted.
 */
final class DatabaseArguments {

    /** Options a fragment may carry; named in the error for an unknown one. */
    static final String FRAGMENT_OPTIONS = "weight, name";

    private DatabaseArguments() {
    }

    /**
     * Parses every argument.
     *
     * @throws IllegalArgumentException naming the (masked) argument and what is wrong with it
     */
    static List<DatabaseConfig> parse(List<String> arguments) {
        List<DatabaseConfig> databases = new ArrayList<>();
        for (String argument : arguments) {
            databases.add(parse(argument));
        }
        return databases;
    }

    /** Parses one {@code url[#options]} argument. */
    static DatabaseConfig parse(String argument) {
        int hash = argument.indexOf('#');
        String url = hash < 0 ? argument : argument.substring(0, hash);
        String fragment = hash < 0 ? "" : argument.substring(hash + 1);
        if (fragment.indexOf('@') >= 0) {
            // Options never hold an '@': the '#' was in the password, so neither half may be quoted.
            // (The message avoids the word "password": it would contain the tail of a password like "pa#ssword".)
            throw new IllegalArgumentException("invalid database '" + Masking.maskUrl(argument) + "': an '@' after"
                    + " the '#' (options cannot hold one); a '#' in the credentials (user:pass) must be written %23");
        }
        DatabaseConfig.Builder builder = DatabaseConfig.builder().fromUrl(url);
        try {
            applyFragment(builder, fragment);
            return builder.build();
        } catch (IllegalArgumentException e) {
            // The library speaks of its builder method ("fromUrl must ..."); the user typed a URL.
            String why = String.valueOf(e.getMessage()).replaceFirst("^fromUrl", "the URL");
            throw new IllegalArgumentException("invalid database '" + Masking.maskUrl(argument) + "': " + why, e);
        }
    }

    private static void applyFragment(DatabaseConfig.Builder builder, String fragment) {
        if (fragment.isEmpty()) {
            return;
        }
        for (String pair : fragment.split("&", -1)) {
            int eq = pair.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("'" + pair + "' in the fragment is not option=value (options: "
                        + FRAGMENT_OPTIONS + ")");
            }
            String key = pair.substring(0, eq).trim().toLowerCase(Locale.ROOT);
            String value = pair.substring(eq + 1).trim();
            switch (key) {
                case "weight" -> builder.weight(weight(value));
                case "name" -> builder.name(name(value));
                default -> throw new IllegalArgumentException("unknown option '" + pair.substring(0, eq)
                        + "' in the fragment (options: " + FRAGMENT_OPTIONS + ")");
            }
        }
    }

    /** A weight as the library accepts it: a positive finite number. Shared with {@link ConfigFile}. */
    static double weight(String value) {
        double weight;
        try {
            weight = Double.parseDouble(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("weight '" + value + "' is not a number");
        }
        if (!(weight > 0) || Double.isInfinite(weight)) {
            throw new IllegalArgumentException("weight must be a positive number, was '" + value + "'");
        }
        return weight;
    }

    private static String name(String value) {
        if (value.isBlank()) {
            throw new IllegalArgumentException("name must not be empty");
        }
        return value;
    }
}
