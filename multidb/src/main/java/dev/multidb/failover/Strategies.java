package dev.multidb.failover;

import java.util.List;

import dev.multidb.Database;

/** Asks a {@link FailoverStrategy}, which may be the application's, to choose among read-only views. */
final class Strategies {

    private Strategies() {
    }

    /** The member the strategy chose among {@code candidates}, or {@code null}. */
    static <D extends ManagedDatabase> D choose(FailoverStrategy strategy, List<D> candidates) {
        Database chosen = strategy.select(candidates.stream().map(ManagedDatabase::view).toList());
        if (chosen == null) {
            return null;
        }
        for (D candidate : candidates) {
            if (candidate.view() == chosen) {
                return candidate;
            }
        }
        throw new IllegalStateException("failover strategy " + strategy + " chose " + chosen + ", which was not a candidate");
    }
}
