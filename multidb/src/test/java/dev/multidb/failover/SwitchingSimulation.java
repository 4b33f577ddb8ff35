package dev.multidb.failover;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.Random;
import java.util.concurrent.CompletableFuture;

import dev.multidb.ActiveDatabaseChangedEvent;
import dev.multidb.DatabaseConfig;
import dev.multidb.MaintenanceEvent;
import dev.multidb.MultiDbConfig;
import dev.multidb.MultiDbEvent;
import dev.multidb.NoValidDatabaseException;
import dev.multidb.SwitchReason;
import dev.multidb.TemporaryUnavailableException;
import dev.multidb.health.HealthResult;

/**
 * One seeded run of the failover machinery against fake databases, a fake health probe and a fake
 * scheduler: random health answers, preparations, outages, failure-detector trips, suspicions,
 * weight changes, manual choices, additions, removals, stalls and clock movements, with the
 * invariants checked after every step, then a drain in which every answer comes at once and the
 * clock runs on, after which every pending switch, timer and request must have done its job.
 */
final class SwitchingSimulation {

    static final Duration HEALTH_INTERVAL = Duration.ofMillis(200);
    static final int FAILOVER_ATTEMPTS = 3;
    static final Duration FAILOVER_DELAY = Duration.ofMillis(400);
    static final long WINDOW_NANOS = FAILOVER_DELAY.toNanos() * FAILOVER_ATTEMPTS;
    private static final int MAX_MEMBERS = 5;
    private static final Duration DRAIN = Duration.ofSeconds(10);

    private record PendingCheck(FakeDatabase db, CompletableFuture<HealthResult> future) {
    }

    private final long seed;
    private final Random random;
    private final FakeScheduler scheduler = new FakeScheduler();
    private final List<FakeDatabase.PendingPrepare> prepares = new ArrayList<>();
    private final List<PendingCheck> checks = new ArrayList<>();
    /** The truth the fakes answer from: whether each database is up. */
    private final Map<FakeDatabase, Boolean> up = new HashMap<>();
    private final List<FakeDatabase> created = new ArrayList<>();
    private final List<CompletableFuture<?>> requests = new ArrayList<>();
    /** What each request was ("12: drain db3"), in the order of {@link #requests}. */
    private final List<String> requestNames = new ArrayList<>();
    private final Deque<String> trace = new ArrayDeque<>();
    private final boolean fallbackOn;
    private final FailoverCore<FakeDatabase> core;
    /** Answer every check and preparation as soon as it is asked (start-up and the drain). */
    private boolean answerAtOnce = true;
    private boolean starting = true;

    // What the listeners observed.
    private FakeDatabase observedActive;
    private long initialChanges;
    private long notifications;
    private long unavailableSince;
    private FakeDatabase manualChoice;
    /** Counts requests that replace or end a manual choice, so a late setActive answer does not revive an old one. */
    private long choiceEpoch;
    private String violation;
    /** The database a force request made active and that no release, expiry or removal has ended yet. */
    private FakeDatabase forcedChoice;
    /** Counts force requests and their ends, so a late force answer does not revive an old force. */
    private long forceEpoch;

    SwitchingSimulation(long seed) {
        this.seed = seed;
        this.random = new Random(seed);
        this.fallbackOn = random.nextInt(4) != 0;
        MultiDbConfig config = MultiDbConfig.builder()
                .database(DatabaseConfig.builder().fromUrl("redis://127.0.0.1:1").build()) // unused: the members are fakes
                .healthCheckInterval(HEALTH_INTERVAL)
                .failoverAttempts(FAILOVER_ATTEMPTS).failoverDelay(FAILOVER_DELAY)
                .autoFallbackInterval(fallbackOn ? Duration.ofMillis(500) : Duration.ZERO)
                .stallThreshold(Duration.ofMillis(100))
                .commandTimeout(Duration.ofMillis(100))
                .build();
        HealthProbe<FakeDatabase> probe = (db, oneProbe) -> {
            CompletableFuture<HealthResult> future = new CompletableFuture<>();
            if (answerAtOnce) {
                future.complete(verdict(db, up.get(db)));
            } else {
                checks.add(new PendingCheck(db, future));
            }
            return future;
        };
        this.core = new FailoverCore<>(config, scheduler, probe, this::observe, scheduler::now, new Random(seed));
    }

    /** Runs {@code steps} random steps and the drain; throws AssertionError naming the seed on a broken invariant. */
    void run(int steps) {
        try {
            start();
            for (int i = 0; i < steps; i++) {
                step(i);
                scheduler.runDue();
                note("     -> " + state());
                checkInvariants();
            }
            drain();
        } catch (AssertionError | RuntimeException e) {
            throw new AssertionError("seed " + seed + " failed (rerun it alone with -Dmultidb.simulation.seed=" + seed + "): "
                    + e.getMessage() + "\nlast steps:\n  " + String.join("\n  ", trace), e);
        }
    }

    private void start() {
        int count = 1 + random.nextInt(3);
        List<FakeDatabase> members = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            members.add(newDatabase());
        }
        core.addSwitchListener(this::switched);
        try {
            core.initialize(members, Duration.ofSeconds(1));
        } catch (Exception e) {
            throw new AssertionError("start-up failed", e);
        }
        observedActive = core.active();
        initialChanges = core.activeChanges();
        unavailableSince = scheduler.now();
        core.start();
        answerAtOnce = false;
        starting = false;
        note("start " + members + " fallback " + (fallbackOn ? "on" : "off") + " -> active " + observedActive);
        scheduler.runDue();
        checkInvariants();
    }

    private FakeDatabase newDatabase() {
        FakeDatabase db = new FakeDatabase("db" + created.size(), 0.5 + random.nextInt(6) * 0.5,
                Duration.ofMillis(100 + random.nextInt(900)), scheduler::now, this::prepareAsked);
        created.add(db);
        up.put(db, random.nextInt(5) != 0);
        return db;
    }

    private void prepareAsked(FakeDatabase.PendingPrepare prepare) {
        if (answerAtOnce) {
            // At start-up, now and then a database that just passed its check cannot be prepared (defect 9).
            boolean flaky = starting && random.nextInt(4) == 0;
            prepare.db().prepared(prepare.future(), up.get(prepare.db()) && !flaky);
        } else {
            prepares.add(prepare);
        }
    }

    private static HealthResult verdict(FakeDatabase db, boolean healthy) {
        return healthy ? new HealthResult(true, 1_000_000, null) : new HealthResult(false, -1, new IOException(db.name() + " is down"));
    }

    private void step(int index) {
        List<FakeDatabase> members = core.databases();
        FakeDatabase any = members.get(random.nextInt(members.size()));
        int dice = random.nextInt(100);
        if (dice < 25) {
            if (!checks.isEmpty()) {
                PendingCheck check = checks.remove(random.nextInt(checks.size()));
                boolean healthy = random.nextInt(20) == 0 ? !up.get(check.db()) : up.get(check.db()); // now and then a wrong verdict
                note(index + ": health check of " + check.db().name() + " answers " + (healthy ? "healthy" : "unhealthy"));
                if (!healthy && check.db() == manualChoice) {
                    manualChoice = null; // a failed health check ends a manual choice
                }
                check.future().complete(verdict(check.db(), healthy));
            }
        } else if (dice < 40) {
            if (!prepares.isEmpty()) {
                FakeDatabase.PendingPrepare prepare = prepares.remove(random.nextInt(prepares.size()));
                boolean ok = up.get(prepare.db()) && random.nextInt(10) != 0;
                note(index + ": preparation of " + prepare.db().name() + (ok ? " succeeds" : " fails"));
                prepare.db().prepared(prepare.future(), ok);
            }
        } else if (dice < 48) {
            FakeDatabase db = created.get(random.nextInt(created.size()));
            up.put(db, !up.get(db));
            note(index + ": " + db.name() + " goes " + (up.get(db) ? "up" : "down"));
        } else if (dice < 52) {
            note(index + ": failure detector trips for " + any.name());
            core.tripped(any);
        } else if (dice < 56) {
            note(index + ": command path suspects " + any.name());
            core.suspect(any);
        } else if (dice < 60) {
            double weight = 0.5 + random.nextInt(6) * 0.5;
            note(index + ": weight of " + any.name() + " -> " + weight);
            manualChoice = null; // an explicit weight ends the manual choice
            choiceEpoch++;
            requests.add(core.updateWeight(any, weight));
        } else if (dice < 66) {
            note(index + ": setActive(" + any.name() + ")");
            manualChoice = null; // a new request replaces the previous choice; it stands once it succeeded
            long epoch = ++choiceEpoch;
            requests.add(core.setActive(any).whenComplete((ok, refused) -> {
                if (refused == null && epoch == choiceEpoch) {
                    manualChoice = any; // unless a later request (a weight, a removal, another choice) came first
                }
            }));
        } else if (dice < 69) {
            if (members.size() < MAX_MEMBERS) {
                FakeDatabase db = random.nextInt(4) == 0 ? any : newDatabase(); // now and then a duplicate
                note(index + ": add " + db.name());
                requests.add(core.add(db, existing -> existing.name().equals(db.name())
                        ? new IllegalArgumentException("duplicate " + db.name()) : null).exceptionally(e -> false));
            }
        } else if (dice < 72) {
            note(index + ": remove " + any.name());
            if (any == manualChoice) {
                manualChoice = null;
            }
            choiceEpoch++;
            requests.add(core.remove(any));
        } else if (dice < 75) {
            FakeDatabase active = core.active();
            if (active != null) {
                boolean stall = random.nextBoolean();
                note(index + ": " + active.name() + (stall ? " stops answering" : " answers everything"));
                if (stall) {
                    active.dispatched = active.completed + 1;
                } else {
                    active.completed = active.dispatched;
                }
            }
        } else if (dice < 79) {
            operatorControl(index, any);
        } else if (random.nextBoolean()) {
            scheduler.advanceToNext();
            note(index + ": clock -> " + Duration.ofNanos(scheduler.now()).toMillis() + " ms (next timer)");
        } else {
            scheduler.advance(Duration.ofMillis(random.nextInt(300)).toNanos());
            note(index + ": clock -> " + Duration.ofNanos(scheduler.now()).toMillis() + " ms");
        }
    }

    /** An operator forces a database active (bounded or not), releases the force, drains or undrains one. */
    private void operatorControl(int index, FakeDatabase any) {
        OperatorControls<FakeDatabase> controls = core.controls();
        int which = random.nextInt(4);
        if (which == 0) {
            Duration bound = random.nextBoolean() ? null : Duration.ofMillis(100 + random.nextInt(2000));
            note(index + ": force " + any.name() + (bound == null ? " until released" : " for " + bound.toMillis() + " ms"));
            manualChoice = null; // a force ends the manual choice
            choiceEpoch++;
            long epoch = ++forceEpoch; // a refused force (a drained database) leaves an earlier one standing
            requests.add(controls.force(any, bound).whenComplete((ok, refused) -> {
                if (refused == null && epoch == forceEpoch) {
                    forcedChoice = any;
                }
            }));
        } else if (which == 1) {
            note(index + ": release the force");
            forcedChoice = null;
            forceEpoch++;
            requests.add(controls.release());
        } else if (which == 2) {
            note(index + ": drain " + any.name());
            requests.add(controls.drain(any, Duration.ofMillis(100 + random.nextInt(5000))).exceptionally(e -> null));
        } else {
            note(index + ": undrain " + any.name());
            requests.add(controls.undrain(any));
        }
    }

    /** Every answer comes at once from now on, and the clock runs on: whatever is pending must get done. */
    private void drain() {
        note("drain: truth " + up);
        answerAtOnce = true;
        while (!checks.isEmpty() || !prepares.isEmpty()) {
            for (PendingCheck check : List.copyOf(checks)) {
                checks.remove(check);
                check.future().complete(verdict(check.db(), up.get(check.db())));
            }
            for (FakeDatabase.PendingPrepare prepare : List.copyOf(prepares)) {
                prepares.remove(prepare);
                prepare.db().prepared(prepare.future(), up.get(prepare.db()));
            }
            scheduler.runDue();
        }
        for (FakeDatabase db : created) {
            db.completed = db.dispatched;
        }
        long step = Duration.ofMillis(50).toNanos();
        for (long t = 0; t < DRAIN.toNanos(); t += step) {
            scheduler.advance(step);
            checkInvariants();
        }
        for (int i = 0; i < requests.size(); i++) {
            check(requests.get(i).isDone(), "a request never got its answer (a lost wake-up): " + requestNames.get(i) + "; " + state());
        }
        Switching<FakeDatabase> switching = core.switchingForTests();
        check(switching.switching() == null, "a switch to " + switching.switching() + " is still pending after the drain");
        List<FakeDatabase> members = core.databases();
        FakeDatabase active = core.active();
        FakeDatabase forced = core.controls().forced();
        check(forcedChoice == null || forced == forcedChoice, "the force of " + forcedChoice + " ended unannounced");
        if (forced != null) {
            check(active == forced, "the force of " + forced + " stands, yet " + active + " is active after the drain");
            return;
        }
        Set<FakeDatabase> drainedNow = core.controls().drained();
        List<FakeDatabase> upMembers = members.stream().filter(up::get).filter(db -> !drainedNow.contains(db)).toList();
        if (upMembers.isEmpty()) {
            // A drained database that still works keeps the traffic while no other one can take it.
            check(active == null || drainedNow.contains(active) && up.get(active), "every member is down or drained, yet "
                    + active + " is active");
            return;
        }
        check(active != null, "members " + upMembers + " are up, yet nothing is active after the drain");
        check(!drainedNow.contains(active), "the drained " + active + " is active after the drain, although " + upMembers + " are up");
        check(up.get(active), "the active database " + active + " is down after the drain; up: " + upMembers);
        boolean manualStands = active == switching.pinned();
        if (fallbackOn && !manualStands) {
            double best = upMembers.stream().mapToDouble(FakeDatabase::weight).max().orElseThrow();
            check(active.weight() == best, "auto fallback left traffic on " + active + " although " + upMembers
                    + " are up and healthy");
        }
    }

    private void checkInvariants() {
        check(violation == null, violation);
        List<FakeDatabase> members = core.databases();
        FakeDatabase active = core.active();
        check(active == null || members.contains(active), "the active database " + active + " is not a member " + members);
        check(active == observedActive, "active is " + active + " but the listeners were last told " + observedActive);
        check(core.activeChanges() == initialChanges + notifications,
                "activeChanges " + core.activeChanges() + " but " + (initialChanges + notifications) + " changes were announced");
        check(core.timersRunning(), "a timer was lost: " + members);
        check(forcedChoice == null || active == forcedChoice, "the force of " + forcedChoice + " stands, yet " + active + " is active");
        Set<FakeDatabase> drained = core.controls().drained();
        if (active != null) {
            return;
        }
        List<FakeDatabase> healthy = members.stream().filter(FakeDatabase::isHealthy).filter(db -> !drained.contains(db)).toList();
        if (!healthy.isEmpty()) {
            FakeDatabase target = core.switchingForTests().switching();
            boolean switchPrepared = target != null && prepares.stream().anyMatch(p -> p.db() == target);
            boolean checkPending = checks.stream().anyMatch(c -> members.contains(c.db()));
            check(switchPrepared || checkPending, "service refused while " + healthy
                    + " passed their latest health check, and no switch or check is pending");
        }
        long unavailableFor = scheduler.now() - unavailableSince;
        RuntimeException refusal = null;
        try {
            core.activeOrThrow();
        } catch (RuntimeException e) {
            refusal = e;
        }
        if (unavailableFor < WINDOW_NANOS) {
            check(refusal instanceof TemporaryUnavailableException, "unavailable for " + Duration.ofNanos(unavailableFor).toMillis()
                    + " ms (window " + Duration.ofNanos(WINDOW_NANOS).toMillis() + " ms) but got " + refusal);
        } else {
            check(refusal instanceof NoValidDatabaseException, "unavailable for " + Duration.ofNanos(unavailableFor).toMillis()
                    + " ms (window " + Duration.ofNanos(WINDOW_NANOS).toMillis() + " ms) but got " + refusal);
        }
    }

    private void switched(FakeDatabase oldActive, FakeDatabase newActive) {
        if (oldActive != observedActive && violation == null) {
            violation = "a switch from " + oldActive + " while the listeners knew " + observedActive + " as active (two switches interleaved)";
        }
        observedActive = newActive;
        notifications++;
        if (newActive == null) {
            unavailableSince = scheduler.now();
        }
        note("   switch " + (oldActive == null ? "none" : oldActive.name()) + " -> " + (newActive == null ? "none" : newActive.name()));
    }

    private void observe(MultiDbEvent event) {
        if (event instanceof MaintenanceEvent maintenance && maintenance.change() == MaintenanceEvent.Change.FORCED
                && maintenance.database() != forcedChoice) {
            forcedChoice = null; // another force replaces it (it stands once its request succeeded)
        }
        if (event instanceof MaintenanceEvent maintenance && maintenance.change() == MaintenanceEvent.Change.RELEASED) {
            if (maintenance.database() == forcedChoice) {
                forcedChoice = null; // expired, released, removed, or its switch failed
                forceEpoch++;
            }
            note("   force of " + maintenance.database().name() + " ended: " + maintenance.detail());
        }
        if (!(event instanceof ActiveDatabaseChangedEvent change)) {
            return;
        }
        if (core.controls().drained().contains(change.newDatabase()) && violation == null) {
            violation = reasonText(change) + " moved traffic to the drained " + change.newDatabase();
        }
        SwitchReason reason = change.reason();
        boolean automatic = reason == SwitchReason.FAILOVER || reason == SwitchReason.FALLBACK;
        if (automatic && change.oldDatabase() == manualChoice && manualChoice.isHealthy() && violation == null) {
            violation = "the manual choice " + manualChoice + " passes its health checks, yet " + reason + " moved traffic to "
                    + change.newDatabase();
        }
        if (change.newDatabase() != manualChoice) {
            manualChoice = null; // traffic went elsewhere; a successful setActive sets the choice
        }
        note("   " + reason);
    }

    private static String reasonText(ActiveDatabaseChangedEvent change) {
        return String.valueOf(change.reason());
    }

    private String state() {
        Switching<FakeDatabase> switching = core.switchingForTests();
        return "active " + name(core.active()) + ", switching to " + name(switching.switching()) + ", pinned " + name(switching.pinned())
                + ", forced " + name(switching.forced()) + ", drained " + core.controls().drained()
                + ", members " + core.databases();
    }

    private static String name(FakeDatabase db) {
        return db == null ? "none" : db.name();
    }

    private void check(boolean condition, String message) {
        if (!condition) {
            throw new AssertionError(message + " (at " + Duration.ofNanos(scheduler.now()).toMillis() + " ms)");
        }
    }

    private void note(String line) {
        if (requestNames.size() < requests.size()) {
            requestNames.add(trace.isEmpty() ? "?" : trace.getLast()); // the step that made the request was noted last
        }
        trace.addLast(line);
        if (trace.size() > 60) {
            trace.removeFirst();
        }
    }
}
