package dev.multidb;

import dev.multidb.health.HealthCheck;
import dev.multidb.health.LagAwareHealthCheck;

/**
 * Settings that are each valid but together defeat one another: {@code build()} accepts them (the
 * user may know better) and logs a WARNING that says what follows and what to change.
 */
final class ConfigWarnings {

    private static final System.Logger LOG = System.getLogger(MultiDbConfig.class.getName());

    private ConfigWarnings() {
    }

    static void log(MultiDbConfig config) {
        if (!config.busyBudget().isZero() && config.healthCheckTimeout().compareTo(config.busyBudget()) >= 0) {
            LOG.log(System.Logger.Level.WARNING, "healthCheckTimeout (" + config.healthCheckTimeout() + ") is not shorter"
                    + " than busyBudget (" + config.busyBudget() + "): a busy server is seen as busy only when the budget"
                    + " is spent, so it is failed over as soon as it is noticed");
        }
        for (HealthCheck check : config.healthChecks()) {
            if (check instanceof LagAwareHealthCheck lag && lag.httpTimeout().multipliedBy(2).compareTo(config.healthCheckTimeout()) > 0) {
                LOG.log(System.Logger.Level.WARNING, "healthCheckTimeout (" + config.healthCheckTimeout() + ") is shorter"
                        + " than the lag-aware check may need (two REST requests of httpTimeout " + lag.httpTimeout()
                        + "): raise healthCheckTimeout to at least " + lag.httpTimeout().multipliedBy(2));
            }
        }
    }
}
