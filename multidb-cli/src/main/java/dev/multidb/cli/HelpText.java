package dev.multidb.cli;

/**
 * Help text that {@code status} and {@code watch} share, as constants so that both annotations
 * can use it. picocli treats these as format strings: {@code %n} is a line break, {@code %%} a percent sign.
 */
final class HelpText {

    static final String URLS = "Databases: each <url> is redis://[user:password@]host[:port][/db] (or rediss:// for TLS),"
            + " optionally followed by a fragment of options: #weight=0.5&name=east. weight is the priority (default 1.0;"
            + " the highest-weight healthy database is active), name labels it (default host:port). Quote the argument"
            + " in a shell, since & and # are special there.";

    static final String CONFIG = "Config file (--config), a properties file:%n"
            + "  databases=east,west            # required: names, comma-separated%n"
            + "  east.url=redis://east.example:6379%n"
            + "  east.weight=1.0                # optional, default 1.0%n"
            + "  east.gracePeriod=60s           # optional, default 60s%n"
            + "  west.url=redis://:secret@west.example:6379%n"
            + "  west.weight=0.5%n"
            + "  healthCheckTimeout=500ms       # optional: one ECHO; --timeout wins%n"
            + "  connectTimeout=1s              # optional: a connect; --timeout wins%n"
            + "  healthCheckInterval=1s         # optional, watch only: default --interval%n"
            + "An unknown or misspelt key is an error.";

    static final String DURATIONS = "Durations: 500ms, 1s, 1.5s, 2m, a plain number of seconds, or ISO-8601 (PT1S).";

    static final String SECRETS = "Passwords are never printed: endpoints are shown as redis://:***@host:port.";

    private HelpText() {
    }
}
