package dev.multidb.cli;

import java.util.Locale;

/** The real faults the demo can inflict on the primary database. */
enum FaultKind {
    /** SIGKILL the redis-server; healed by restarting it on the same port (its data is lost). */
    KILL("kill", "restart"),
    /** SIGSTOP the redis-server: connections stay open but nothing answers; healed by SIGCONT. */
    FREEZE("freeze", "thaw"),
    /** A proxy in front of the primary silently drops all traffic; healed by letting it through again. */
    BLACKHOLE("blackhole", "heal the network");

    private final String verb;
    private final String healVerb;

    FaultKind(String verb, String healVerb) {
        this.verb = verb;
        this.healVerb = healVerb;
    }

    String healVerb() {
        return healVerb;
    }

    /** Lower case, so help and completion show what users type. */
    @Override
    public String toString() {
        return verb.toLowerCase(Locale.ROOT);
    }
}
