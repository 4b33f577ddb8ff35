package dev.multidb.failover;

import java.util.List;

import dev.multidb.Database;

/** Chooses which database should carry traffic. */
@FunctionalInterface
public interface FailoverStrategy {

    /**
     * The database that should be active, from {@code databases} (all members, in configuration
     * order), or {@code null} when none is usable.
     */
    Database select(List<? extends Database> databases);
}
