package dev.multidb.cli;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Properties;
import java.util.Set;

import picocli.CommandLine.TypeConversionException;

import dev.multidb.DatabaseConfig;

/**
 * Reads the databases and probe settings of {@code status} and {@code watch} from a Java
 * properties file:
 *
 * <pre>
 * # required: the databases, by name, comma-separated
 * databases=east,west
 * # per database: url (required), weight (default 1.0), gracePeriod (default 60s)
 * east.url=redis://east.example.com:6379
 * east.weight=1.0
 * west.url=redis://:secret@west.example.com:6379
 * west.weight=0.5
 * # optional, for all databases
 * healthCheckTimeout=500ms
 * connectTimeout=1s
 * healthCheckInterval=1s
 * </pre>
 *
 * Durations take the same forms as on the command line. Every key is checked: an unknown or
 * misspelt one is an error naming it, because a silently ignored {@code east.wieght} would make
 * the status lie.
 */
final class ConfigFile {

    static final String DATABASES = "databases";
    static final String HEALTH_CHECK_TIMEOUT = "healthCheckTimeout";
    static final String CONNECT_TIMEOUT = "connectTimeout";
    static final String HEALTH_CHECK_INTERVAL = "healthCheckInterval";
    private static final Set<String> GLOBAL_KEYS = Set.of(DATABASES, HEALTH_CHECK_TIMEOUT, CONNECT_TIMEOUT, HEALTH_CHECK_INTERVAL);
    private static final Set<String> DATABASE_KEYS = Set.of("url", "weight", "gracePeriod");

    /** What the file says; a duration is {@code null} when the file does not set it. */
    record Contents(List<DatabaseConfig> databases, Duration healthCheckTimeout, Duration connectTimeout,
            Duration healthCheckInterval) {
    }

    private final Path path;
    private final Properties properties;

    private ConfigFile(Path path, Properties properties) {
        this.path = path;
        this.properties = properties;
    }

    /**
     * Reads and checks the file.
     *
     * @throws IllegalArgumentException naming the file and the bad key
     */
    static Contents read(Path path) {
        Properties properties = new Properties();
        try (Reader reader = Files.newBufferedReader(path, StandardCharsets.UTF_8)) {
            properties.load(reader);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("config file " + path + " does not exist", e);
        } catch (IOException | IllegalArgumentException e) {
            throw new IllegalArgumentException("cannot read config file " + path + ": " + e.getMessage(), e);
        }
        return new ConfigFile(path, properties).contents();
    }

    private Contents contents() {
        List<String> names = databaseNames();
        checkKeys(names);
        List<DatabaseConfig> databases = new ArrayList<>();
        for (String name : names) {
            databases.add(database(name));
        }
        return new Contents(databases, duration(HEALTH_CHECK_TIMEOUT), duration(CONNECT_TIMEOUT), duration(HEALTH_CHECK_INTERVAL));
    }

    private List<String> databaseNames() {
        String list = properties.getProperty(DATABASES);
        if (list == null || list.isBlank()) {
            throw bad(DATABASES, "is missing: list the databases, e.g. databases=east,west");
        }
        Set<String> names = new LinkedHashSet<>();
        for (String name : list.split(",")) {
            String trimmed = name.trim();
            if (trimmed.isEmpty() || trimmed.contains(".")) {
                throw bad(DATABASES, "has an invalid name '" + trimmed + "' (names must be non-empty and without dots)");
            }
            if (!names.add(trimmed)) {
                throw bad(DATABASES, "lists '" + trimmed + "' twice");
            }
        }
        return List.copyOf(names);
    }

    /** Rejects every key that is neither global nor {@code <listed name>.<database key>}. */
    private void checkKeys(List<String> names) {
        for (String key : properties.stringPropertyNames()) {
            if (GLOBAL_KEYS.contains(key)) {
                continue;
            }
            int dot = key.indexOf('.');
            if (dot < 0) {
                throw bad(key, "is not a known setting (settings: " + String.join(", ", GLOBAL_KEYS.stream().sorted().toList())
                        + "; per database: <name>.url, <name>.weight, <name>.gracePeriod)");
            }
            String name = key.substring(0, dot);
            String setting = key.substring(dot + 1);
            if (!names.contains(name)) {
                throw bad(key, "belongs to '" + name + "', which is not listed in " + DATABASES + "=" + properties.getProperty(DATABASES));
            }
            if (!DATABASE_KEYS.contains(setting)) {
                throw bad(key, "is not a database setting (per database: url, weight, gracePeriod)");
            }
        }
    }

    private DatabaseConfig database(String name) {
        String urlKey = name + ".url";
        String url = properties.getProperty(urlKey);
        if (url == null || url.isBlank()) {
            throw bad(urlKey, "is missing: every listed database needs a URL");
        }
        DatabaseConfig.Builder builder = DatabaseConfig.builder().name(name).fromUrl(url.trim());
        String weight = properties.getProperty(name + ".weight");
        if (weight != null) {
            try {
                builder.weight(DatabaseArguments.weight(weight.trim()));
            } catch (IllegalArgumentException e) {
                throw bad(name + ".weight", "is invalid: " + e.getMessage());
            }
        }
        Duration grace = duration(name + ".gracePeriod");
        if (grace != null) {
            builder.gracePeriod(grace);
        }
        try {
            return builder.build();
        } catch (IllegalArgumentException e) {
            // The library's message already shows the URL masked; it calls it by its builder method.
            throw bad(urlKey, "is invalid: " + String.valueOf(e.getMessage()).replaceFirst("^fromUrl", "the URL"));
        }
    }

    private Duration duration(String key) {
        String value = properties.getProperty(key);
        if (value == null) {
            return null;
        }
        try {
            Duration d = new DurationConverter().convert(value);
            if (d.isZero()) {
                throw bad(key, "must be positive, was '" + value + "'");
            }
            return d;
        } catch (TypeConversionException e) {
            throw bad(key, "is invalid: " + e.getMessage());
        }
    }

    private IllegalArgumentException bad(String key, String problem) {
        return new IllegalArgumentException("config file " + path + ": '" + key + "' " + problem);
    }
}
