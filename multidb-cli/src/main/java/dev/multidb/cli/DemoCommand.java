package dev.multidb.cli;

import java.time.Duration;
import java.util.concurrent.Callable;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code multidb demo}: parses and checks the options, then hands over to {@link DemoRun}.
 * The exit code says whether the library behaved: 0 when it failed over (and fell back when the
 * run was long enough), 1 when it did not or the demo itself broke, 2 for bad options.
 */
@Command(name = "demo",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        sortOptions = false,
        description = {
            "Shows a failover and a fall back live. Starts two local redis-servers (primary, weight 1.0;"
                + " secondary, weight 0.5), writes to them continuously through a MultiDbClient,"
                + " breaks the primary, heals it again, and prints what the application saw.",
            "",
            "The client uses the library's defaults except for the fallback interval and the grace"
                + " period, which are shortened so that the fall back fits into a short run.",
            ""},
        footer = {"",
            "Durations: 8s, 500ms, 1.5s, 2m, a plain number of seconds, or ISO-8601 (PT8S).",
            "Exit codes: 0 the client failed over (and fell back, if there was time); 1 it did not,"
                + " or the demo failed; 2 invalid options."})
public final class DemoCommand implements Callable<Integer> {

    @Spec
    private CommandSpec spec;

    @Option(names = "--duration", defaultValue = "20s", paramLabel = "<duration>", converter = DurationConverter.class,
            description = "Total run time, counted from the first write (default: ${DEFAULT-VALUE}).")
    private Duration duration;

    @Option(names = "--fault", defaultValue = "kill", paramLabel = "<kind>", converter = FaultKindConverter.class,
            description = "What happens to the primary: kill (SIGKILL, healed by a restart), freeze (SIGSTOP,"
                    + " healed by SIGCONT) or blackhole (a proxy drops all traffic, healed by letting it through)"
                    + " (default: ${DEFAULT-VALUE}).")
    private FaultKind fault;

    @Option(names = "--fault-at", defaultValue = "5s", paramLabel = "<duration>", converter = DurationConverter.class,
            description = "When the fault hits the primary (default: ${DEFAULT-VALUE}).")
    private Duration faultAt;

    @Option(names = "--outage", defaultValue = "5s", paramLabel = "<duration>", converter = DurationConverter.class,
            description = "How long the primary stays broken before it is healed (default: ${DEFAULT-VALUE}).")
    private Duration outage;

    @Option(names = "--fallback-interval", defaultValue = "5s", paramLabel = "<duration>", converter = DurationConverter.class,
            description = "How often the client tries to move traffic back to the primary"
                    + " (autoFallbackInterval; library default 120s) (default: ${DEFAULT-VALUE}).")
    private Duration fallbackInterval;

    @Option(names = "--grace", defaultValue = "2s", paramLabel = "<duration>", converter = DurationConverter.class,
            description = "How long a failed database's circuit stays open before it may close again"
                    + " (gracePeriod of each database; library default 60s) (default: ${DEFAULT-VALUE}).")
    private Duration grace;

    @Option(names = {"-v", "--verbose"},
            description = "Also print the library's log (INFO and up) on stderr.")
    private boolean verbose;

    @Override
    public Integer call() {
        validate();
        LibraryLogging.configure(verbose, Secrets.none());
        DemoRun.Plan plan = new DemoRun.Plan(duration, fault, faultAt, outage, fallbackInterval, grace);
        try {
            return new DemoRun(plan, spec.commandLine().getOut()).execute() ? 0 : 1;
        } catch (RuntimeException e) {
            spec.commandLine().getErr().println("multidb demo failed: " + e);
            if (verbose) {
                e.printStackTrace(spec.commandLine().getErr());
            }
            return 1;
        }
    }

    /** Checks what the converters cannot: how the options relate to each other. */
    private void validate() {
        if (duration.isZero()) {
            throw bad("--duration must be positive");
        }
        if (faultAt.compareTo(duration) >= 0) {
            throw bad("--fault-at (" + faultAt.toMillis() + " ms) must be before the end of the run (--duration "
                    + duration.toMillis() + " ms)");
        }
        if (outage.isZero()) {
            throw bad("--outage must be positive");
        }
        if (fallbackInterval.isZero()) {
            throw bad("--fallback-interval must be positive: the demo is about falling back");
        }
    }

    private CommandLine.ParameterException bad(String message) {
        return new CommandLine.ParameterException(spec.commandLine(), message);
    }

    /** Accepts the fault kinds in any case, and names the valid ones when the value is not one. */
    static final class FaultKindConverter implements CommandLine.ITypeConverter<FaultKind> {
        @Override
        public FaultKind convert(String value) {
            for (FaultKind kind : FaultKind.values()) {
                if (kind.toString().equalsIgnoreCase(value.trim())) {
                    return kind;
                }
            }
            throw new CommandLine.TypeConversionException("'" + value + "' is not a fault; use one of kill, freeze, blackhole");
        }
    }
}
