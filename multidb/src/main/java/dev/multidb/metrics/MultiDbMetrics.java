package dev.multidb.metrics;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;

import dev.multidb.ActiveDatabaseChangedEvent;
import dev.multidb.AllDatabasesUnavailableEvent;
import dev.multidb.CommandFailedEvent;
import dev.multidb.Database;
import dev.multidb.DatabaseAddedEvent;
import dev.multidb.DatabaseRemovedEvent;
import dev.multidb.MultiDbClient;
import dev.multidb.MultiDbStatus;
import dev.multidb.MultiDbStatus.DatabaseStatus;
import dev.multidb.MultiDbEvent;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * Micrometer meters for one {@link MultiDbClient}. Off by default: nothing is measured unless the
 * application calls {@link #bind(MultiDbClient, MeterRegistry)}, and Micrometer is an optional
 * dependency (only this package refers to it).
 *
 * <pre>{@code
 * MultiDbClient<String, String> client = MultiDbClient.create(config);
 * MultiDbMetrics metrics = MultiDbMetrics.bind(client, registry, Tags.of("client", "orders"));
 * ...
 * metrics.close(); // removes the meters
 * client.close();
 * }</pre>
 *
 * <h2>Meters</h2>
 * Every meter carries the tags given to {@code bind}; per-database meters also carry
 * {@code database} (the database's name).
 * <ul>
 * <li>{@code multidb.switches} (counter; tags {@code reason}, a {@link dev.multidb.SwitchReason}
 * name, and {@code to}, the new active database): switches of the active database seen since
 * {@code bind}.</li>
 * <li>{@code multidb.circuit.state} (gauge, per database): 0 CLOSED, 1 HALF_OPEN, 2 OPEN.</li>
 * <li>{@code multidb.active} (gauge, per database): 1 for the active database, else 0.</li>
 * <li>{@code multidb.health.latency} (gauge, per database, milliseconds): latency of the last
 * passing health probe; NaN before the first one.</li>
 * <li>{@code multidb.health.healthy} (gauge, per database): 1 when the last health check passed, else 0.</li>
 * <li>{@code multidb.command.failures} (counter; tags {@code database}, {@code kind}, the simple
 * class name of the error, and {@code retried}, {@code true}/{@code false}): command attempts that
 * failed with a connection error or a timeout (Redis error replies are not failures).</li>
 * <li>{@code multidb.retries} (counter): failed attempts the client sends again.</li>
 * <li>{@code multidb.unavailable} (timer): how long each outage lasted, from "no database is
 * usable" ({@link AllDatabasesUnavailableEvent}) to the next switch to a database.</li>
 * <li>{@code multidb.unavailable.active} (gauge): 1 while no database is usable, else 0.</li>
 * <li>{@code multidb.events.dropped} (function counter): events the client dropped because its event queue was
 * full (listeners too slow), as {@link MultiDbStatus#droppedEvents()}.</li>
 * </ul>
 *
 * <h2>Cost</h2>
 * Nothing runs on the command path. Counters and the timer are updated by listeners that run on the
 * client's event thread (see {@link MultiDbClient#addListener}), never on a thread that runs
 * commands; the only thing binding adds to command processing is that a <em>failed</em> attempt
 * now queues a {@link CommandFailedEvent} for that thread (a successful command does nothing
 * more). Gauges are read only when the registry is scraped, from {@link MultiDbClient#status()}, a
 * cheap snapshot, which is shared by all gauges read within 50 ms.
 *
 * <h2>Databases added or removed at runtime</h2>
 * The per-database gauges of a database added with {@link MultiDbClient#addDatabase} are
 * registered when its {@link DatabaseAddedEvent} arrives; when a database is removed, every meter
 * tagged with its name (gauges and {@code multidb.command.failures}) is removed from the registry.
 *
 * <h2>Several clients, one registry</h2>
 * Meters are identified by name and tags: bind each client with a distinguishing tag (for example
 * {@code Tags.of("client", "orders")}), otherwise the clients share their meters and the gauges read
 * only the first client bound.
 *
 * <p>Thread-safe. {@link #close()} removes every meter this binding registered and stops updating
 * them; the client itself stays open.
 */
public final class MultiDbMetrics implements AutoCloseable {

    /** Prefix of every meter name. */
    public static final String PREFIX = "multidb.";

    static final String SWITCHES = PREFIX + "switches";
    static final String CIRCUIT_STATE = PREFIX + "circuit.state";
    static final String ACTIVE = PREFIX + "active";
    static final String HEALTH_LATENCY = PREFIX + "health.latency";
    static final String HEALTH_HEALTHY = PREFIX + "health.healthy";
    static final String COMMAND_FAILURES = PREFIX + "command.failures";
    static final String RETRIES = PREFIX + "retries";
    static final String EVENTS_DROPPED = PREFIX + "events.dropped";
    static final String UNAVAILABLE = PREFIX + "unavailable";
    static final String UNAVAILABLE_ACTIVE = PREFIX + "unavailable.active";

    static final String DATABASE_TAG = "database";

    /** How long one status snapshot serves the gauges: one scrape reads it once. */
    static final long SNAPSHOT_MAX_AGE_MILLIS = 50;

    private final MultiDbClient<?, ?> client;
    private final MeterRegistry registry;
    private final Tags tags;
    /** Guards {@link #meters}, {@link #unavailableSinceNanos} and {@link #closed}. */
    private final Object lock = new Object();
    /** Every meter this binding registered, by id. */
    private final Map<Meter.Id, Meter> meters = new LinkedHashMap<>();
    private final Timer unavailable;
    private final Counter retries;
    /** When the current outage started ({@link System#nanoTime()}), or -1 while a database is usable. */
    private long unavailableSinceNanos = -1;
    private volatile boolean closed;
    private final List<Consumer<?>> listeners = new CopyOnWriteArrayList<>();
    private volatile Snapshot snapshot;

    private record Snapshot(long takenAtNanos, MultiDbStatus status) {
    }

    private MultiDbMetrics(MultiDbClient<?, ?> client, MeterRegistry registry, Tags tags) {
        this.client = client;
        this.registry = registry;
        this.tags = tags;
        this.unavailable = track(Timer.builder(UNAVAILABLE)
                .description("How long no database was usable, from the outage to the next switch to a database")
                .tags(tags).register(registry));
        this.retries = track(Counter.builder(RETRIES).description("Failed command attempts the client sends again")
                .tags(tags).register(registry));
        gauge(UNAVAILABLE_ACTIVE, Tags.empty(), "1 while no database is usable, else 0", null,
                m -> m.status() == null ? Double.NaN : m.status().active() == null ? 1 : 0);
        track(FunctionCounter.builder(EVENTS_DROPPED, this,
                        m -> m.status() == null ? 0 : m.status().droppedEvents())
                .description("Events dropped because the event queue was full (listeners too slow)")
                .tags(tags).register(registry));
    }

    /**
     * Starts measuring {@code client} into {@code registry}. Call {@link #close()} to remove the
     * meters again.
     *
     * @param client   the client to measure
     * @param registry where the meters go
     * @return the binding, to close
     * @throws IllegalArgumentException if an argument is null
     */
    public static MultiDbMetrics bind(MultiDbClient<?, ?> client, MeterRegistry registry) {
        return bind(client, registry, Tags.empty());
    }

    /**
     * Starts measuring {@code client} into {@code registry}, adding {@code tags} to every meter
     * (for example {@code Tags.of("client", "orders")} to tell several clients apart).
     *
     * @param client   the client to measure
     * @param registry where the meters go
     * @param tags     added to every meter
     * @return the binding, to close
     * @throws IllegalArgumentException if an argument is null
     */
    public static MultiDbMetrics bind(MultiDbClient<?, ?> client, MeterRegistry registry, Iterable<Tag> tags) {
        if (client == null || registry == null || tags == null) {
            throw new IllegalArgumentException("client, registry and tags must not be null");
        }
        MultiDbMetrics metrics = new MultiDbMetrics(client, registry, Tags.of(tags));
        metrics.start();
        return metrics;
    }

    private <E extends MultiDbEvent> void listen(Class<E> type, Consumer<E> listener) {
        listeners.add(listener);
        client.addListener(type, listener);
    }

    private void start() {
        synchronized (lock) {
            // Listen first, then read the current state: an event that arrives meanwhile waits for
            // the lock, and a database seen twice (snapshot and DatabaseAddedEvent) is registered once.
            listen(ActiveDatabaseChangedEvent.class, this::onSwitch);
            listen(AllDatabasesUnavailableEvent.class, this::onAllUnavailable);
            listen(CommandFailedEvent.class, this::onCommandFailed);
            listen(DatabaseAddedEvent.class, e -> onDatabaseAdded(e.database()));
            listen(DatabaseRemovedEvent.class, e -> onDatabaseRemoved(e.database()));
            for (Database db : client.databases()) {
                registerDatabase(db.name());
            }
            MultiDbStatus now = client.status();
            if (now.active() == null) {
                unavailableSinceNanos = outageStart(now);
            }
        }
    }

    // ---------------------------------------------------------------- events (client's event thread)

    private void onSwitch(ActiveDatabaseChangedEvent event) {
        synchronized (lock) {
            if (closed) {
                return;
            }
            if (unavailableSinceNanos >= 0) {
                unavailable.record(Math.max(0, System.nanoTime() - unavailableSinceNanos), TimeUnit.NANOSECONDS);
                unavailableSinceNanos = -1;
            }
            track(Counter.builder(SWITCHES).description("Switches of the active database")
                    .tags(tags).tag("reason", String.valueOf(event.reason())).tag("to", name(event.newDatabase()))
                    .register(registry)).increment();
        }
    }

    private void onAllUnavailable(AllDatabasesUnavailableEvent event) {
        synchronized (lock) {
            if (closed || unavailableSinceNanos >= 0) {
                return;
            }
            unavailableSinceNanos = outageStart(client.status());
        }
    }

    private void onCommandFailed(CommandFailedEvent event) {
        synchronized (lock) {
            if (closed) {
                return;
            }
            track(Counter.builder(COMMAND_FAILURES)
                    .description("Command attempts that failed with a connection error or a timeout")
                    .tags(tags).tag(DATABASE_TAG, name(event.database())).tag("kind", kind(event.error()))
                    .tag("retried", Boolean.toString(event.willRetry()))
                    .register(registry)).increment();
            if (event.willRetry()) {
                retries.increment();
            }
        }
    }

    private void onDatabaseAdded(Database database) {
        synchronized (lock) {
            if (!closed) {
                registerDatabase(database.name());
            }
        }
    }

    private void onDatabaseRemoved(Database database) {
        synchronized (lock) {
            if (closed) {
                return;
            }
            String name = database.name();
            List<Meter> gone = new ArrayList<>();
            for (Meter meter : meters.values()) {
                if (name.equals(meter.getId().getTag(DATABASE_TAG))) {
                    gone.add(meter);
                }
            }
            for (Meter meter : gone) {
                meters.remove(meter.getId());
                registry.remove(meter);
            }
        }
    }

    // ---------------------------------------------------------------- meters

    /** Registers the per-database gauges of {@code name}; idempotent. Holds {@link #lock}. */
    private void registerDatabase(String name) {
        Tags db = Tags.of(DATABASE_TAG, name);
        gauge(CIRCUIT_STATE, db, "Circuit breaker state: 0 CLOSED, 1 HALF_OPEN, 2 OPEN", null,
                m -> m.database(name, MultiDbMetrics::circuitValue));
        gauge(ACTIVE, db, "1 for the active database, else 0", null,
                m -> m.database(name, s -> s.active() ? 1 : 0));
        gauge(HEALTH_LATENCY, db, "Latency of the last passing health probe", "milliseconds",
                m -> m.database(name, s -> s.healthLatencyMillis() < 0 ? Double.NaN : s.healthLatencyMillis()));
        gauge(HEALTH_HEALTHY, db, "1 when the last health check passed, else 0", null,
                m -> m.database(name, s -> s.healthy() ? 1 : 0));
    }

    private void gauge(String meterName, Tags extra, String description, String baseUnit,
            ToDoubleFunction<MultiDbMetrics> value) {
        track(Gauge.builder(meterName, this, value).description(description).baseUnit(baseUnit)
                .tags(tags).tags(extra).strongReference(true).register(registry));
    }

    private <M extends Meter> M track(M meter) {
        synchronized (lock) {
            meters.putIfAbsent(meter.getId(), meter);
        }
        return meter;
    }

    private static double circuitValue(DatabaseStatus status) {
        if (status.circuit() == null) {
            return Double.NaN;
        }
        return switch (status.circuit()) {
            case CLOSED -> 0;
            case HALF_OPEN -> 1;
            case OPEN -> 2;
        };
    }

    /** A value read from database {@code name}'s entry of the current snapshot; NaN when it has none. */
    private double database(String name, ToDoubleFunction<DatabaseStatus> value) {
        MultiDbStatus status = status();
        if (status == null) {
            return Double.NaN;
        }
        for (DatabaseStatus db : status.databases()) {
            if (db.name().equals(name)) {
                return value.applyAsDouble(db);
            }
        }
        return Double.NaN;
    }

    /** The client's status, taken at most {@link #SNAPSHOT_MAX_AGE_MILLIS} ago; {@code null} if it cannot be read. */
    private MultiDbStatus status() {
        long now = System.nanoTime();
        Snapshot last = snapshot;
        if (last != null && now - last.takenAtNanos() < TimeUnit.MILLISECONDS.toNanos(SNAPSHOT_MAX_AGE_MILLIS)) {
            return last.status();
        }
        try {
            MultiDbStatus status = client.status();
            snapshot = new Snapshot(now, status);
            return status;
        } catch (RuntimeException e) {
            return null; // a gauge must never throw into the registry
        }
    }

    private static long outageStart(MultiDbStatus status) {
        long now = System.nanoTime();
        return status.unavailableFor() == null ? now : now - status.unavailableFor().toNanos();
    }

    private static String name(Database database) {
        return database == null ? "none" : database.name();
    }

    private static String kind(Throwable error) {
        if (error == null) {
            return "unknown";
        }
        String simple = error.getClass().getSimpleName();
        return simple.isEmpty() ? error.getClass().getName() : simple;
    }

    /**
     * Removes every meter this binding registered from the registry and stops updating them.
     * Idempotent. Stops listening to the client and removes every meter this binding registered.
     */
    @Override
    public void close() {
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
            listeners.forEach(client::removeListener);
            for (Meter meter : meters.values()) {
                registry.remove(meter);
            }
            meters.clear();
            snapshot = null;
        }
    }
}
