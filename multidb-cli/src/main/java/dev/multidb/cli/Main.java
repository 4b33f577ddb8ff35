package dev.multidb.cli;

import java.io.PrintWriter;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.UnmatchedArgumentException;

import dev.multidb.Masking;

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
        System.exit(commandLine().execute(args));
    }

    /** The command line as {@code main} runs it: picocli's, with usage errors that never quote a password. */
    static CommandLine commandLine() {
        return new CommandLine(new Main()).setParameterExceptionHandler(Main::usageError);
    }

    /**
     * picocli's own handling of a usage error (message, then suggestions or usage, then its exit code), except
     * that arguments holding an {@code @} are masked: picocli quotes unmatched or invalid arguments verbatim.
     */
    private static int usageError(ParameterException e, String[] args) {
        CommandLine cmd = e.getCommandLine();
        PrintWriter err = cmd.getErr();
        err.println(cmd.getColorScheme().errorText(maskArguments(String.valueOf(e.getMessage()), args)));
        if (!UnmatchedArgumentException.printSuggestions(e, err)) {
            cmd.usage(err, cmd.getColorScheme());
        }
        CommandLine.IExitCodeExceptionMapper mapper = cmd.getExitCodeExceptionMapper();
        return mapper != null ? mapper.getExitCode(e) : cmd.getCommandSpec().exitCodeOnInvalidInput();
    }

    /** {@code text} with each argument, and the value of each {@code --option=value}, masked as a URL. */
    private static String maskArguments(String text, String[] args) {
        String result = text;
        for (String arg : args) {
            for (String raw : new String[] {arg, arg.substring(arg.indexOf('=') + 1)}) {
                String masked = Masking.maskUrl(raw);
                if (!masked.equals(raw)) {
                    result = result.replace(raw, masked);
                }
            }
        }
        return result;
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
