package dev.multidb.cli;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import dev.multidb.ActiveDatabaseChangedEvent;
import dev.multidb.AllDatabasesUnavailableEvent;
import dev.multidb.Database;
import dev.multidb.DatabaseConfig;
import dev.multidb.MultiDbClient;
import dev.multidb.MultiDbConfig;
import dev.multidb.NoValidDatabaseException;

/**
 * One run of the demo: sets up the servers and the client, starts the writer, breaks and heals
 * the primary on schedule while the live report prints, then prints the closing report. Owns
 * every resource it starts and stops all of them on every path out, Ctrl-C included.
 */
final class DemoRun {

    /** What the user asked for. */
    record Plan(Duration duration, FaultKind fault, Duration faultAt, Duration outage, Duration fallbackInterval,
            Duration grace) {

        boolean healsBeforeEnd() {
            return faultAt.plus(outage).compareTo(duration) < 0;
        }
    }

    static final String PRIMARY = "primary";
    static final String SECONDARY = "secondary";

    /** How long Ctrl-C waits for the run to print its report and clean up before the JVM exits anyway. */
    private static final long SHUTDOWN_WAIT_SECONDS = 15;

    private static final int CLIENT_START_ATTEMPTS = 3;

    private final Plan plan;
    private final PrintWriter out;
    private final CountDownLatch finished = new CountDownLatch(1);
    private volatile boolean interrupted;

    private DemoServers servers;
    private MultiDbClient<String, String> client;
    private DemoWriter writer;
    private ScheduledExecutorService scheduler;
    private Timeline timeline;
    private WriteStats stats;
    private LiveReport live;
    private ClosingReport report;

    DemoRun(Plan plan, PrintWriter out) {
        this.plan = plan;
        this.out = out;
    }

    /** Runs the demo to the end (or to Ctrl-C); returns the verdict of the closing report. */
    boolean execute() {
        Thread hook = shutdownHook(Thread.currentThread());
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            setUp();
            return runAndReport();
        } finally {
            Thread.interrupted(); // a Ctrl-C interrupt must not cut the clean-up short
            tearDown();
            finished.countDown();
            removeShutdownHook(hook);
        }
    }

    private void setUp() {
        out.println("Starting two redis-servers" + (plan.fault() == FaultKind.BLACKHOLE ? " and a fault proxy in front of the primary" : "") + "...");
        out.flush();
        servers = DemoServers.start(plan.fault());
        MultiDbConfig config = MultiDbConfig.builder()
                .database(DatabaseConfig.builder().name(PRIMARY).fromUrl(servers.primaryUri())
                        .weight(1.0).gracePeriod(plan.grace()).build())
                .database(DatabaseConfig.builder().name(SECONDARY).fromUrl(servers.secondaryUri())
                        .weight(0.5).gracePeriod(plan.grace()).build())
                .autoFallbackInterval(plan.fallbackInterval())
                .build();
        client = createClient(config);
        out.println("  " + PRIMARY + "   " + servers.primaryUri() + "  weight 1.0");
        out.println("  " + SECONDARY + " " + servers.secondaryUri() + "  weight 0.5");
        out.println("Plan: " + plan.fault() + " " + PRIMARY + " at " + DurationConverter.format(plan.faultAt())
                + (plan.healsBeforeEnd()
                        ? ", " + plan.fault().healVerb() + " it " + DurationConverter.format(plan.outage()) + " later"
                        : ", not healed before the end")
                + "; run " + DurationConverter.format(plan.duration()) + "; grace period " + DurationConverter.format(plan.grace())
                + ", fallback interval " + DurationConverter.format(plan.fallbackInterval()) + ", other settings default.");
        Database active = client.activeDatabase();
        out.println("Active database: " + (active == null ? "(none)" : active.name()) + ". Writing SET " + DemoWriter.KEY + " <n> in a loop.");
        out.println();
        out.flush();

        timeline = new Timeline(System.nanoTime());
        stats = new WriteStats();
        live = new LiveReport(out, timeline, stats);
        report = new ClosingReport(timeline, stats, plan.fault(), PRIMARY, fallbackBound(config));
        client.addListener(ActiveDatabaseChangedEvent.class, live::onActiveChanged);
        client.addListener(AllDatabasesUnavailableEvent.class, live::onAllUnavailable);
    }

    /**
     * Creates the client, trying again a few times: its first health check allows only 500 ms per
     * probe, which a cold JVM on a busy machine can miss. Each failure is printed, not hidden.
     */
    private MultiDbClient<String, String> createClient(MultiDbConfig config) {
        for (int attempt = 1; ; attempt++) {
            try {
                return MultiDbClient.create(config);
            } catch (NoValidDatabaseException e) {
                if (attempt == CLIENT_START_ATTEMPTS) {
                    throw e;
                }
                out.println("  (client start failed, trying again: " + e.getMessage() + ")");
                out.flush();
            }
        }
    }

    private boolean runAndReport() {
        writer = new DemoWriter(client, stats);
        writer.start();
        scheduler = Executors.newScheduledThreadPool(2, r -> {
            Thread t = new Thread(r, "demo-scheduler");
            t.setDaemon(true);
            return t;
        });
        // Two threads: a restart of the primary (hundreds of ms) must not delay the live lines.
        scheduler.scheduleAtFixedRate(() -> live.tick(client), 1, 1, TimeUnit.SECONDS);
        scheduler.schedule(this::injectFault, plan.faultAt().toNanos(), TimeUnit.NANOSECONDS);
        if (plan.healsBeforeEnd()) {
            scheduler.schedule(this::heal, plan.faultAt().plus(plan.outage()).toNanos(), TimeUnit.NANOSECONDS);
        }
        try {
            TimeUnit.NANOSECONDS.sleep(plan.duration().toNanos());
        } catch (InterruptedException e) {
            Thread.interrupted();
        }
        long end = System.nanoTime();
        if (interrupted) {
            live.note(end, "interrupted: stopping early");
            report.problem("interrupted before the end of the run");
        }
        stopActivity();
        return report.print(out, end);
    }

    private void injectFault() {
        try {
            servers.injectFault();
            long now = System.nanoTime();
            timeline.fault(now);
            stats.markFault(now);
            live.note(now, "!!! fault: " + plan.fault() + " " + PRIMARY);
        } catch (RuntimeException e) {
            report.problem("could not inject the fault: " + e);
            live.note(System.nanoTime(), "!!! could not inject the fault: " + e);
        }
    }

    private void heal() {
        if (timeline.faultNanos() < 0) {
            return; // nothing to heal
        }
        try {
            servers.heal();
            long now = System.nanoTime();
            timeline.heal(now);
            live.note(now, "+++ heal: " + plan.fault().healVerb() + " " + PRIMARY);
        } catch (RuntimeException e) {
            report.problem("could not heal the primary: " + e);
            live.note(System.nanoTime(), "!!! could not heal the primary: " + e);
        }
    }

    /** Stops the live report, pending faults and the writer, so the closing report sees final numbers. */
    private void stopActivity() {
        scheduler.shutdownNow();
        try {
            scheduler.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (!writer.stop(2_000)) {
            report.problem("the writer was still blocked in a command 2 s after the end of the run");
        }
    }

    /** Closes what was started, in reverse order. Safe to call after a partial set-up. */
    private void tearDown() {
        if (scheduler != null) {
            scheduler.shutdownNow();
        }
        if (writer != null) {
            writer.stop(0);
        }
        if (client != null) {
            client.close(); // also fails a command the writer may still be blocked in
        }
        if (writer != null) {
            writer.stop(5_000);
        }
        if (servers != null) {
            servers.close();
        }
    }

    /**
     * Longest time from the heal to a fall back: the circuit may have just re-opened (a grace
     * period), then a health check must pass, then the fallback timer must fire.
     */
    private static Duration fallbackBound(MultiDbConfig config) {
        Duration healthCheck = config.healthCheckTimeout().plus(config.healthCheckDelay())
                .multipliedBy(config.healthCheckProbes());
        return config.databases().get(0).gracePeriod().plus(healthCheck).plus(config.autoFallbackInterval())
                .plus(Duration.ofSeconds(1));
    }

    /** On Ctrl-C: cut the run short and wait until the report is printed and everything is closed. */
    private Thread shutdownHook(Thread runner) {
        return new Thread(() -> {
            interrupted = true;
            runner.interrupt();
            try {
                finished.await(SHUTDOWN_WAIT_SECONDS, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "multidb-demo-shutdown");
    }

    private static void removeShutdownHook(Thread hook) {
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // The hook is running (Ctrl-C): it is waiting for us, not the other way round.
        }
    }
}
