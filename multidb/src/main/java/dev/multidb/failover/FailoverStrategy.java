package dev.multidb.failover;

import java.util.List;

import dev.multidb.Database;

/** Chooses which database should carry traffic. */
@FunctionalInterface
public interface FailoverStrategy {

    /**
     * The database that should be active, from {@code databases} (all members, in configuration
     * order), or {@code null} when none is usable.
     *
     * @param databases every member database, in configuration order
     * @return the database to make active, one of {@code databases}, or {@code null}
     */
    Database select(List<? extends Database> databases);
}
