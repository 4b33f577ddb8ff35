package dev.multidb.command;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import dev.multidb.ActiveDatabaseChangedEvent;
import dev.multidb.CircuitStateChangedEvent;
import dev.multidb.CommandFailedEvent;
import dev.multidb.HealthStatusChangedEvent;
import dev.multidb.NoValidDatabaseException;
import dev.multidb.OutcomeUnknownException;
import dev.multidb.SwitchReason;
import dev.multidb.TemporaryUnavailableException;
import dev.multidb.circuit.CircuitState;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.RedisConnectionException;
import io.lettuce.core.RedisException;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.protocol.CommandArgs;
import io.lettuce.core.protocol.CommandType;

/**
 * Once per JVM, in the background at client start-up: exercises what the first failover of a JVM would otherwise load
 * and initialise on its critical path, without touching any database.
 *
 * <p>Measured with {@code dev.multidb.bench.FirstFailover} ({@code -verbose:class}, classes loaded between the kill of
 * the primary and the first successful write): about 215 classes. Most of the time goes to the JVM's first log record
 * (the failover logs a WARNING: {@code java.util.logging}'s formatter loads the time-zone rules, the CLDR locale data,
 * resource bundles and the stack walker that finds the caller), then to the retry path's own classes
 * ({@code CommandSafety} and its tables, {@code FailureKind}, {@code AttemptExecutor}'s verdicts, the events and
 * exceptions) and a few Netty/JDK classes of a lost connection. This class does the same work off that path: it formats
 * (never publishes) a log record with every formatter of the root {@code java.util.logging} handlers, classifies a few
 * commands, classifies sample failures, builds the exception and event types, and loads the remaining classes by name.
 * Nothing is logged, sent or connected; every step is best effort and a failure is ignored.
 */
public final class Warmup {

    private static final AtomicBoolean STARTED = new AtomicBoolean();

    /** Classes the first failover loads that the steps below do not reach: loaded (and ours initialised) by name. */
    private static final List<String> CLASSES = List.of(
            "dev.multidb.command.AttemptExecutor$1",
            "dev.multidb.command.AttemptExecutor$Verdict",
            "dev.multidb.command.AttemptExecutor$PendingRetry",
            "dev.multidb.command.RoutedCommand$1",
            "dev.multidb.command.DedicatedLeases$NoConnectionInTime",
            "dev.multidb.database.ClusterMember",
            "dev.multidb.health.TcpProgress",
            "dev.multidb.health.ServerBusyException",
            "dev.multidb.AllDatabasesUnavailableEvent",
            "sun.net.ConnectionResetException",
            "io.netty.util.internal.logging.InternalLogLevel",
            "io.netty.util.internal.logging.AbstractInternalLogger$1",
            "io.netty.util.LeakPresenceDetector$AllocationProhibitedException",
            "io.netty.buffer.UnsafeHeapSwappedByteBuf",
            "io.netty.buffer.UnpooledByteBufAllocator$DecrementingCleanableDirectBuffer");

    private Warmup() {
    }

    /**
     * Runs {@link #run()} on {@code executor}, the first time it is called in this JVM; later calls do nothing.
     * {@code -Dmultidb.warmup=false} turns it off (to measure without it).
     */
    public static void runOnce(Executor executor) {
        if ("false".equalsIgnoreCase(System.getProperty("multidb.warmup"))) {
            return;
        }
        if (STARTED.compareAndSet(false, true)) {
            try {
                executor.execute(Warmup::run);
            } catch (RuntimeException rejected) {
                // an executor that is shutting down: nothing to warm for
            }
        }
    }

    /** The warm-up itself, on the caller's thread. Never throws. */
    static void run() {
        step(Warmup::logging);
        step(Warmup::commands);
        step(Warmup::failures);
        step(Warmup::eventsAndExceptions);
        ClassLoader loader = Warmup.class.getClassLoader();
        for (String name : CLASSES) {
            step(() -> Class.forName(name, name.startsWith("dev.multidb."), loader));
        }
    }

    /**
     * The failover's first WARNING is the JVM's first log record in most applications: format one (with the caller
     * lookup, the date in the default time zone and locale) with every formatter of the root handlers, publish nothing.
     */
    private static void logging() {
        System.getLogger(Warmup.class.getName()).isLoggable(System.Logger.Level.WARNING);
        LogRecord record = new LogRecord(Level.WARNING, "database ''{0}'' is unhealthy: {1}");
        record.setParameters(new Object[] { "warm-up", new RedisConnectionException("warm-up") });
        record.setLoggerName(Warmup.class.getName());
        record.getSourceClassName(); // the stack walker that finds the caller
        for (Handler handler : Logger.getLogger("").getHandlers()) {
            if (handler.getFormatter() != null) {
                handler.getFormatter().format(record);
            }
        }
        new java.util.logging.SimpleFormatter().format(record);
    }

    private static void commands() {
        CommandSafety.classify(CommandType.SET, new CommandArgs<>(StringCodec.UTF8).addKey("k").addValue("v"));
        CommandSafety.classify(CommandType.SET, new CommandArgs<>(StringCodec.UTF8).addKey("k").addValue("v").add("NX"));
        CommandSafety.classify(CommandType.GET, new CommandArgs<>(StringCodec.UTF8).addKey("k"));
        CommandSafety.classify(CommandType.INCR, new CommandArgs<>(StringCodec.UTF8).addKey("k"));
        CommandSafety.classify(CommandType.ZADD, new CommandArgs<>(StringCodec.UTF8).addKey("k").add(1.0).addValue("m"));
        CommandSafety.classify(CommandType.XADD, new CommandArgs<>(StringCodec.UTF8).addKey("k").add("*").add("f").add("v"));
        CommandSafety.classify(CommandType.EVAL, new CommandArgs<>(StringCodec.UTF8).add("return 1").add(0));
        CommandSafety.Safety.IDEMPOTENT.isRetryable();
    }

    private static void failures() {
        FailureKind.of(new RedisConnectionException("warm-up"));
        FailureKind.of(new RedisCommandTimeoutException("warm-up"));
        FailureKind.of(new RedisException("Connection closed"));
        FailureKind.of(new RedisException("Currently not connected. Commands are rejected."));
        FailureKind.of(new IOException("Connection reset by peer"));
        FailureKind.of(new IllegalStateException("warm-up"));
    }

    private static void eventsAndExceptions() {
        RedisConnectionException cause = new RedisConnectionException("warm-up");
        String text = new OutcomeUnknownException("SET", "warm-up", cause).getMessage()
                + new TemporaryUnavailableException("warm-up").getMessage()
                + new NoValidDatabaseException("warm-up").getMessage();
        text.length();
        step(() -> new HealthStatusChangedEvent(null, false, cause).toString());
        step(() -> new ActiveDatabaseChangedEvent(null, null, SwitchReason.values()[0]).toString());
        step(() -> new CircuitStateChangedEvent(null, CircuitState.CLOSED, CircuitState.OPEN).toString());
        step(() -> new CommandFailedEvent("SET", null, cause, true).toString());
        Duration.ofMillis(10).multipliedBy(2).toNanos();
    }

    @FunctionalInterface
    private interface Step {
        void run() throws Exception;
    }

    private static void step(Step step) {
        try {
            step.run();
        } catch (Throwable ignored) {
            // best effort: a warm-up never fails anything
        }
    }
}
