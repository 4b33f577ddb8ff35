package dev.multidb.cli;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.Callable;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code multidb watch}: the {@code status} table refreshed every interval, with one line per
 * client event (health flips, circuit changes, failovers) as it happens. Runs until Ctrl-C or
 * for {@code --duration}; then the exit code is that of {@code status} for the last refresh.
 */
@Command(name = "watch",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        sortOptions = false,
        description = {
            "Shows the status table every --interval, and each client event as it happens.",
            "",
            "Shows the table of 'multidb status' every --interval and one line per event as it happens:"
                + " time, event type (HealthStatusChanged, CircuitStateChanged, ActiveDatabaseChanged,"
                + " AllDatabasesUnavailable, ...) and details. Health checks run once per interval, so each table"
                + " is at most one interval old. On a terminal the screen is cleared between refreshes;"
                + " into a pipe or a file the tables follow each other.",
            ""},
        footer = {"", HelpText.URLS, "", HelpText.CONFIG, "", HelpText.DURATIONS, HelpText.SECRETS, "",
            "Examples:",
            "  multidb watch redis://a:6379 'redis://b:6379#weight=0.5'",
            "  multidb watch --interval 500ms --duration 30s --config dbs.properties > watch.log",
            "",
            "Exit codes (with --duration): 0 a database was usable at the last refresh; 1 none was;"
                + " 2 invalid arguments."})
public final class WatchCommand implements Callable<Integer> {

    @Spec
    private CommandSpec spec;

    @Mixin
    private DatabaseOptions options;

    @Option(names = "--interval", defaultValue = "1s", paramLabel = "<duration>", converter = DurationConverter.class,
            description = "Time between refreshes, and between health checks (default: ${DEFAULT-VALUE}).")
    private Duration interval;

    @Option(names = "--duration", paramLabel = "<duration>", converter = DurationConverter.class,
            description = "Stop after this long (default: run until Ctrl-C).")
    private Duration duration;

    @Override
    public Integer call() {
        DatabaseOptions.Resolved databases = options.resolve();
        if (interval.isZero()) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--interval must be positive");
        }
        if (duration != null && duration.isZero()) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--duration must be positive");
        }
        LibraryLogging.configure(options.verbose(), databases.secrets());
        PrintWriter out = spec.commandLine().getOut();
        // Clearing the screen only makes sense for a person looking at it: a log file keeps every table.
        boolean terminal = System.console() != null;
        WatchScreen screen = new WatchScreen(out, terminal, databases.secrets(), DurationConverter.format(interval));
        try {
            return new WatchRun(databases, interval, duration, screen).execute() ? 0 : 1;
        } catch (RuntimeException e) {
            spec.commandLine().getErr().println("multidb watch failed: " + databases.secrets().scrub(e.toString()));
            return 1;
        }
    }
}
