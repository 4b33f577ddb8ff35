package dev.multidb.failover;

import java.util.List;

import dev.multidb.Database;
import dev.multidb.circuit.CircuitState;

/**
 * The default strategy: the highest-weight database whose circuit is CLOSED. When every circuit
 * is open, the highest-weight database whose last health check passed, grace period or not
 * (DESIGN rule 1: never refuse service while a database answers). Ties go to the database
 * configured first.
 */
public final class WeightBasedFailoverStrategy implements FailoverStrategy {

    @Override
    public Database select(List<? extends Database> databases) {
        Database best = null;
        for (Database db : databases) {
            if (db.circuitState() == CircuitState.CLOSED && (best == null || db.weight() > best.weight())) {
                best = db;
            }
        }
        if (best != null) {
            return best;
        }
        for (Database db : databases) {
            if (db.isHealthy() && (best == null || db.weight() > best.weight())) {
                best = db;
            }
        }
        return best;
    }

    @Override
    public String toString() {
        return "WeightBasedFailoverStrategy";
    }
}
