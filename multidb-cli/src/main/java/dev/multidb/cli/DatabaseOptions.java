package dev.multidb.cli;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import dev.multidb.DatabaseConfig;
import dev.multidb.MultiDbConfig;

/**
 * The arguments {@code status} and {@code watch} share: which databases (URLs or a config file)
 * and how long a probe may take. A picocli mixin, so both commands parse and document them alike.
 */
final class DatabaseOptions {

    /** One probe (ECHO) and one connect: generous enough for a cold JVM, short enough for a readiness probe. */
    static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(1);

    @Spec(Spec.Target.MIXEE)
    private CommandSpec spec;

    @Parameters(paramLabel = "<url>", arity = "0..*",
            description = "A database: redis://[user:password@]host[:port][/db] or rediss://…, with an optional"
                    + " fragment of options: #weight=<number>&name=<name> (weight default 1.0, name default host:port)."
                    + " Write a '#' in a password as %%23.")
    private List<String> urls = new ArrayList<>();

    @Option(names = "--config", paramLabel = "<file>",
            description = "Read the databases from a properties file instead (format below).")
    private Path configFile;

    @Option(names = "--timeout", paramLabel = "<duration>", converter = DurationConverter.class,
            description = "How long one health probe (ECHO) may take, and opening its connection as much again"
                    + " (default: 1s, or healthCheckTimeout/connectTimeout from the config file).")
    private Duration timeout;

    @Option(names = {"-v", "--verbose"}, description = "Also print the library's log (INFO and up) on stderr.")
    private boolean verbose;

    /** What to probe and how, after every check; every problem is a usage error (exit code 2). */
    record Resolved(List<DatabaseConfig> databases, Duration healthCheckTimeout, Duration connectTimeout,
            Duration healthCheckInterval, Secrets secrets) {
    }

    boolean verbose() {
        return verbose;
    }

    /**
     * Parses the URLs or reads the config file.
     *
     * @throws CommandLine.ParameterException for anything the user must fix
     */
    Resolved resolve() {
        if (configFile != null && !urls.isEmpty()) {
            throw usage("give either database URLs or --config, not both");
        }
        if (configFile == null && urls.isEmpty()) {
            throw usage("missing databases: give one or more Redis URLs (redis://host:port#weight=1.0) or --config <file>");
        }
        if (timeout != null && timeout.isZero()) {
            throw usage("--timeout must be positive");
        }
        try {
            if (configFile != null) {
                ConfigFile.Contents file = ConfigFile.read(configFile);
                Duration probe = first(timeout, file.healthCheckTimeout(), DEFAULT_TIMEOUT);
                Duration connect = first(timeout, file.connectTimeout(), DEFAULT_TIMEOUT);
                return new Resolved(checked(file.databases()), probe, connect, file.healthCheckInterval(), Secrets.of(file.databases()));
            }
            List<DatabaseConfig> databases = checked(DatabaseArguments.parse(urls));
            Duration t = first(timeout, null, DEFAULT_TIMEOUT);
            return new Resolved(databases, t, t, null, Secrets.of(databases));
        } catch (IllegalArgumentException e) {
            throw usage(e.getMessage());
        }
    }

    /**
     * Checks the whole set as the client will (no endpoint or name twice), so that a duplicate is
     * a usage error here rather than a crash when the client is created.
     */
    private static List<DatabaseConfig> checked(List<DatabaseConfig> databases) {
        MultiDbConfig.builder().databases(databases).build();
        return databases;
    }

    private static Duration first(Duration a, Duration b, Duration c) {
        return a != null ? a : b != null ? b : c;
    }

    private CommandLine.ParameterException usage(String message) {
        return new CommandLine.ParameterException(spec.commandLine(), message);
    }
}
