package dev.multidb.failover;

import java.util.concurrent.CompletableFuture;

import dev.multidb.health.HealthResult;

/** Runs one health check of a database: {@code HealthCheckRunner} for real, fakes in the switching tests. */
@FunctionalInterface
public interface HealthProbe<D> {

    /**
     * The verdict of one check of {@code db}; with {@code oneProbe}, a single probe decides (used
     * while no database is usable, DESIGN rule 1). Never throws: a refused run is a failed future.
     */
    CompletableFuture<HealthResult> check(D db, boolean oneProbe);
}
