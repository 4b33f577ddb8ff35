package dev.multidb.failover;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import io.lettuce.core.RedisCommandTimeoutException;

import dev.multidb.health.HealthResult;

/**
 * The first decision: the first health check of every member, then the first active database.
 * The best database that passed is tried first; if its command connection cannot be prepared
 * right after its check passed, it counts as failed and the next best is tried.
 *
 * <p>Runs on the creating thread, once, before the coordinator decides anything: the members join
 * the client's list only at the end, so nothing on the coordinator can race these decisions.
 */
final class StartUp<D extends ManagedDatabase> {

    private static final System.Logger LOG = System.getLogger(StartUp.class.getName());

    private final Coordinator coordinator;
    private final HealthProbe<D> probe;
    private final FailoverStrategy strategy;
    private final HealthScheduling<D> health;

    StartUp(Coordinator coordinator, HealthProbe<D> probe, FailoverStrategy strategy, HealthScheduling<D> health) {
        this.coordinator = coordinator;
        this.probe = probe;
        this.strategy = strategy;
        this.health = health;
    }

    /** What start-up found: the first active database ({@code null} if none) and the members that failed. */
    record Decision<D>(D first, List<D> failed) {
    }

    Decision<D> decide(List<D> members, Duration bound) throws InterruptedException {
        List<CompletableFuture<HealthResult>> runs = new ArrayList<>();
        long deadline = coordinator.now() + bound.toNanos() / 2;
        for (D db : members) {
            runs.add(firstCheck(db, deadline));
        }
        List<D> failed = new ArrayList<>();
        List<D> candidates = new ArrayList<>();
        for (int i = 0; i < members.size(); i++) {
            D db = members.get(i);
            HealthResult result = await(runs.get(i), bound);
            db.setHealthy(result.healthy(), result.latencyNanos());
            if (result.healthy()) {
                // Circuits start HALF_OPEN: a first pass closes them; a first failure leaves them
                // HALF_OPEN (no grace period for a database that never carried traffic).
                health.applyCircuit(db, db.circuit().onHealthy());
            } else {
                failed.add(db);
                db.setLastFailure(result.cause());
            }
            candidates.add(db);
        }
        D first = prepareBest(candidates, failed, bound);
        // Warm the standby connections so a failover does not wait for a TCP handshake.
        for (D db : members) {
            if (db != first && db.isHealthy()) {
                db.prepareForTraffic().exceptionally(e -> null);
            }
        }
        return new Decision<>(first, failed);
    }

    /** The best candidate whose command connection is ready; one that cannot be prepared counts as failed. */
    private D prepareBest(List<D> candidates, List<D> failed, Duration bound) throws InterruptedException {
        while (true) {
            @SuppressWarnings("unchecked")
            D best = Strategies.choose(strategy, candidates);
            if (best == null) {
                return null;
            }
            HealthResult prepared = await(best.prepareForTraffic().thenApply(ok -> new HealthResult(true, -1, null)), bound);
            if (prepared.healthy()) {
                return best;
            }
            LOG.log(Level.WARNING, "database '" + best.name() + "' passed its first health check but cannot take traffic: "
                    + prepared.cause());
            candidates.remove(best);
            failed.add(best);
            best.setHealthy(false, -1);
            best.setLastFailure(prepared.cause());
            health.applyCircuit(best, best.circuit().onFailure());
        }
    }

    private static HealthResult await(CompletableFuture<HealthResult> run, Duration bound) throws InterruptedException {
        try {
            return run.get(bound.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            return new HealthResult(false, -1, e.getCause());
        } catch (TimeoutException e) {
            return new HealthResult(false, -1, e);
        }
    }

    /**
     * The first health check, run again while it only timed out and time is left: a cold JVM or a
     * busy machine can be slow to answer once, and refusing to start for that helps nobody. A
     * refused connection is an answer and is not retried.
     */
    private CompletableFuture<HealthResult> firstCheck(D db, long deadline) {
        return probe.check(db, false).thenCompose(result -> {
            boolean timedOut = result.cause() instanceof TimeoutException || result.cause() instanceof RedisCommandTimeoutException;
            if (result.healthy() || !timedOut || coordinator.now() >= deadline) {
                return CompletableFuture.completedFuture(result);
            }
            return firstCheck(db, deadline);
        });
    }
}
