package dev.multidb.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import dev.multidb.MultiDbClient;
import dev.multidb.MultiDbStatus;
import dev.multidb.NoValidDatabaseException;

/**
 * {@code multidb status}: health-checks every database once and prints which ones answer, how
 * fast, and which one a client would use and why. Made for people and for readiness probes: the
 * exit code is 0 when at least one database is usable, 1 when none is, 2 for usage errors.
 */
@Command(name = "status",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        sortOptions = false,
        description = {
            "Checks every database once and shows which one a client would use, and why.",
            "",
            "Runs one health check per database (connect, then ECHO) and prints a table: weight, reachable or not,"
                + " ECHO latency, circuit, and which database would be active and why (e.g. the heavier one is"
                + " unreachable, with the reason).",
            ""},
        footer = {"", HelpText.URLS, "", HelpText.CONFIG, "", HelpText.DURATIONS, HelpText.SECRETS, "",
            "Examples:",
            "  multidb status redis://a:6379 'redis://b:6379#weight=0.5&name=b'",
            "  multidb status --json --config databases.properties",
            "",
            "Exit codes: 0 at least one database is usable; 1 none is; 2 invalid arguments."})
public final class StatusCommand implements Callable<Integer> {

    @Spec
    private CommandSpec spec;

    @Mixin
    private DatabaseOptions options;

    @Option(names = "--json", description = "Print the status as one JSON object instead of a table (with an \"error\" member when no"
            + " database is usable).")
    private boolean json;

    @Override
    public Integer call() {
        DatabaseOptions.Resolved databases = options.resolve();
        LibraryLogging.configure(options.verbose(), databases.secrets());
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Secrets secrets = databases.secrets();
        try (MultiDbClient<String, String> client = MultiDbClient.create(ProbeClients.forStatus(databases))) {
            MultiDbStatus status = client.status();
            out.print(secrets.scrub(json ? status.toJson() + System.lineSeparator() : StatusTable.render(status)));
            out.flush();
            return status.active() != null ? 0 : 1;
        } catch (NoValidDatabaseException e) {
            UnavailableStatus unavailable = UnavailableStatus.of(databases.databases(), e, secrets);
            out.print(json ? unavailable.toJson() + System.lineSeparator() : unavailable.render());
            out.flush();
            err.println("multidb status: no database is usable");
            return 1;
        } catch (RuntimeException e) {
            err.println("multidb status failed: " + secrets.scrub(e.toString()));
            return 1;
        }
    }
}
