package dev.multidb.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * The {@code multidb} command line. Each task is a subcommand ({@code demo}, {@code status},
 * {@code watch}), so the top command only parses and dispatches.
 */
@Command(name = "multidb",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = "Tools for the multidb multi-database Redis client.",
        subcommands = {DemoCommand.class, StatusCommand.class, WatchCommand.class, CommandLine.HelpCommand.class},
        footer = {"", "Run 'multidb help <command>' or 'multidb <command> --help' for the options of a command."})
public final class Main implements Runnable {

    @Spec
    private CommandSpec spec;

    public static void main(String[] args) {
        System.exit(new CommandLine(new Main()).execute(args));
    }

    /** Without a subcommand there is nothing to do: say what there is instead of failing silently. */
    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "Missing required subcommand");
    }

    /** The version from the jar manifest; "development" when run from classes (IDE, tests). */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String version = Main.class.getPackage().getImplementationVersion();
            return new String[] {"multidb " + (version == null ? "(development build)" : version)};
        }
    }
}
