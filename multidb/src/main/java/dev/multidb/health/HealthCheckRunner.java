package dev.multidb.health;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

import javax.net.ssl.SSLException;

import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.api.StatefulConnection;

import dev.multidb.Database;
import dev.multidb.database.DatabaseRuntime;

/**
 * Runs one health check of a database: up to {@code probes} probes, {@code delay} apart, each
 * running every check under {@code timeout}, judged by the policy as soon as the verdict is
 * certain. Never blocks a thread: probes are asynchronous and pauses are scheduled.
 */
public final class HealthCheckRunner {

    private final Supplier<List<HealthCheck>> checks;
    private final int probes;
    private final long delayNanos;
    private final long timeoutNanos;
    private final long connectTimeoutNanos;
    private final HealthCheckPolicy policy;
    private final ScheduledExecutorService scheduler;

    public HealthCheckRunner(Supplier<List<HealthCheck>> checks, int probes, Duration delay, Duration timeout,
            Duration connectTimeout, HealthCheckPolicy policy, ScheduledExecutorService scheduler) {
        this.connectTimeoutNanos = connectTimeout.toNanos();
        this.checks = checks;
        this.probes = probes;
        this.delayNanos = delay.toNanos();
        this.timeoutNanos = timeout.toNanos();
        this.policy = policy;
        this.scheduler = scheduler;
    }

    public CompletableFuture<HealthResult> run(DatabaseRuntime<?, ?> db) {
        return run(db, probes);
    }

    /**
     * A check of one probe, whose answer is the verdict: for when no database is usable and the
     * first one that answers at all should carry traffic (DESIGN rule 1).
     */
    public CompletableFuture<HealthResult> runOneProbe(DatabaseRuntime<?, ?> db) {
        return run(db, 1);
    }

    private CompletableFuture<HealthResult> run(DatabaseRuntime<?, ?> db, int probeCount) {
        CompletableFuture<HealthResult> result = new CompletableFuture<>();
        try {
            probe(db, probeCount, 0, 0, -1, result);
        } catch (RejectedExecutionException closing) {
            // The client closed while this check started: no verdict, and nothing to alarm anyone.
            result.completeExceptionally(closing);
        }
        return result;
    }

    private void probe(DatabaseRuntime<?, ?> db, int probes, int passed, int failed, long lastLatency,
            CompletableFuture<HealthResult> result) {
        long started = System.nanoTime();
        probeOnce(db).whenComplete((ok, error) -> {
            if (unwrap(error) instanceof RejectedExecutionException closing) {
                result.completeExceptionally(closing); // the client closed meanwhile: no verdict
                return;
            }
            if (unwrap(error) instanceof ServerBusyException busy) {
                // Neither a pass nor a failure: the controller weighs it against the busy budget.
                result.complete(new HealthResult(false, -1, busy, true));
                return;
            }
            boolean pass = error == null && Boolean.TRUE.equals(ok);
            int nowPassed = passed + (pass ? 1 : 0);
            int nowFailed = failed + (pass ? 0 : 1);
            long latency = pass ? System.nanoTime() - started : lastLatency;
            Boolean verdict = policy.verdict(nowPassed, nowFailed, probes);
            if (verdict != null) {
                Throwable cause = pass ? null : error != null ? reason(db, unwrap(error))
                        : new HealthCheckFailedException("health check returned false for database '" + db.name() + "'");
                HealthResult judged = new HealthResult(verdict, verdict ? latency : -1, verdict ? null : cause);
                if (verdict || error == null || cause instanceof HealthCheckFailedException) {
                    result.complete(judged);
                    return;
                }
                // Unreachable: a Sentinel group may be promoting a replica. That counts as busy (neither a pass nor
                // a failure, within the busy budget), as a master replaced inside a Redis Cluster is no failure.
                db.failingOver().whenComplete((why, ignored) -> result.complete(why == null ? judged
                        : new HealthResult(false, -1, new ServerBusyException("database '" + db.name() + "': " + why), true)));
                return;
            }
            try {
                scheduler.schedule(() -> probe(db, probes, nowPassed, nowFailed, latency, result), delayNanos, TimeUnit.NANOSECONDS);
            } catch (RuntimeException closing) {
                result.completeExceptionally(closing);
            }
        });
    }

    /**
     * One probe: every check must answer {@code true} within the timeout. Opening the health
     * connection (when it was lost) has its own bound, the connect timeout, on top: a cold start
     * or a reconnect is not a slow answer. A failed probe drops the health connection, so the next
     * one never reads replies meant for a probe that timed out.
     */
    private CompletableFuture<Boolean> probeOnce(DatabaseRuntime<?, ?> db) {
        CompletableFuture<Boolean> probe = new CompletableFuture<>();
        long bound = timeoutNanos + (db.healthConnection().isOpen() ? 0 : connectTimeoutNanos);
        // The connection this probe used: only that one is dropped when it fails (probes of one
        // database may overlap, and another may already be on a fresh connection), and only its
        // socket is evidence of a busy server.
        AtomicReference<StatefulConnection<String, String>> used = new AtomicReference<>();
        AtomicReference<ScheduledFuture<?>> timeout = new AtomicReference<>(
                scheduler.schedule(() -> probe.completeExceptionally(unanswered(db, bound, used.get())), bound, TimeUnit.NANOSECONDS));
        // The health connection lost (reset under the probe, or while it opened, as when a proxy or
        // load balancer restarts): judge the server on a fresh connection, once, not the dead
        // socket, with a bound of its own that allows for opening it.
        Supplier<CompletableFuture<Boolean>> onAFreshConnection = () -> {
            if (probe.isDone()) {
                return CompletableFuture.<Boolean>failedFuture(new IllegalStateException("probe already judged")); // timed out
            }
            long again = timeoutNanos + connectTimeoutNanos;
            if (timeout.get().cancel(false)) {
                try {
                    timeout.set(scheduler.schedule(() -> probe.completeExceptionally(unanswered(db, again, used.get())), again,
                            TimeUnit.NANOSECONDS));
                } catch (RejectedExecutionException closing) {
                    return CompletableFuture.<Boolean>failedFuture(closing); // the client closed meanwhile: no verdict
                }
            }
            return db.healthConnection().get().thenCompose(fresh -> {
                used.set(fresh);
                return runChecks(db, fresh);
            });
        };
        db.healthConnection().get().handle((connection, openError) -> {
            if (openError != null) {
                return brokenUnderIt(openError) ? onAFreshConnection.get() : CompletableFuture.<Boolean>failedFuture(openError);
            }
            used.set(connection);
            return runChecks(db, connection).handle((ok, error) -> {
                if (error == null || (connection.isOpen() && !TcpProgress.peerClosed(connection) && !brokenUnderIt(error))) {
                    return error == null ? CompletableFuture.completedFuture(ok) : CompletableFuture.<Boolean>failedFuture(error);
                }
                // A reset fails the probe's command before Lettuce has closed the connection:
                // drop it here, so that the fresh one is really new.
                db.healthConnection().drop(connection);
                return onAFreshConnection.get();
            }).thenCompose(f -> f);
        }).thenCompose(f -> f).whenComplete((ok, error) -> {
            timeout.get().cancel(false);
            if (error != null) {
                // The check's own command may time out first (its connection has the same timeout).
                probe.completeExceptionally(unwrap(error) instanceof RedisCommandTimeoutException ? unanswered(db, bound, used.get()) : error);
            } else {
                probe.complete(ok);
            }
        });
        return probe.whenComplete((ok, error) -> {
            // A busy server keeps its health connection: its answer is on the way, and a new
            // connection's handshake would wait behind the busy server too, with no evidence to read.
            if ((error != null || !Boolean.TRUE.equals(ok)) && !(error instanceof ServerBusyException) && used.get() != null) {
                db.healthConnection().drop(used.get());
            }
        });
    }

    /**
     * Why a probe got no answer within {@code boundNanos}: the server is busy when the operating
     * system says it acknowledged the probe ({@link TcpProgress}); otherwise it timed out, which
     * is what a dead host, a cut network, or a platform without that evidence looks like.
     */
    private static Exception unanswered(DatabaseRuntime<?, ?> db, long boundNanos, StatefulConnection<String, String> connection) {
        if (connection != null && TcpProgress.of(connection) == TcpProgress.Evidence.ACKNOWLEDGED) {
            return new ServerBusyException("database '" + db.name() + "' acknowledged the health probe but did not"
                    + " answer it within " + Duration.ofNanos(boundNanos).toMillis() + " ms: it is busy (or stopped)");
        }
        return new TimeoutException("health probe of '" + db.name() + "' took longer than " + Duration.ofNanos(boundNanos));
    }

    /**
     * The probe failed because its connection broke under it (reset by the peer, or closed before it
     * was up), not because the server answered something or could not be reached: a reset, a channel
     * closed under a write, or a connection closed during its handshake, in the cause chain. A refused
     * or timed-out connect is not (a dead host is judged at once, not given a second connect timeout),
     * and neither is an error of a check's own (a REST call's).
     */
    static boolean brokenUnderIt(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
            String message = String.valueOf(t.getMessage());
            if (t instanceof java.nio.channels.ClosedChannelException
                    || (t instanceof java.net.SocketException && !(t instanceof java.net.ConnectException)
                            && message.toLowerCase(java.util.Locale.ROOT).contains("reset"))
                    || message.startsWith("Connection closed prematurely")) {
                return true;
            }
        }
        return false;
    }

    private CompletableFuture<Boolean> runChecks(DatabaseRuntime<?, ?> db, StatefulConnection<String, String> connection) {
        HealthCheckTarget target = db.healthTarget(connection);
        CompletableFuture<Boolean> all = CompletableFuture.completedFuture(true);
        for (HealthCheck check : checks.get()) {
            all = all.thenCompose(okSoFar -> okSoFar ? check.check(target).toCompletableFuture() : CompletableFuture.completedFuture(false));
        }
        return all;
    }

    /**
     * The failure as an operator should read it. A rejected password or a missing one shows as Lettuce's
     * "Unable to connect to …" with the server's WRONGPASS/NOAUTH reply deep in the cause chain (or as that reply
     * itself, from a check's command): say that authentication failed, with the server's text, which never holds
     * the password. A failed TLS handshake (a certificate for another host, an unknown CA, a client certificate
     * the server wanted and did not get) is just as deep: say so, with the JDK's reason, which names the host and
     * the certificate problem but no secret. Anything else is kept as it is.
     */
    static Throwable reason(DatabaseRuntime<?, ?> db, Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
            String message = t.getMessage();
            if (t instanceof RedisCommandExecutionException && message != null && isAuthenticationError(message)) {
                return new HealthCheckFailedException("authentication failed for database '" + db.name() + "': " + message,
                        error);
            }
            if (t instanceof SSLException) {
                return new HealthCheckFailedException("TLS handshake with database '" + db.name() + "' failed ("
                        + db.uri().getHost() + ":" + db.uri().getPort() + ", peer verification " + db.uri().getVerifyMode()
                        + "): " + tlsReason(t), error);
            }
        }
        return error;
    }

    /** The innermost message of a TLS failure: "No subject alternative names matching IP address … found". */
    private static String tlsReason(Throwable tls) {
        String message = tls.getMessage();
        for (Throwable t = tls.getCause(); t != null && t != t.getCause(); t = t.getCause()) {
            if (t.getMessage() != null) {
                message = t.getMessage();
            }
        }
        if (message != null && message.contains("certificate_required")) {
            return message + " (the server requires a client certificate: set SslOptions.keyManager)";
        }
        if (message != null && message.contains("subject alternative names")) {
            return "the server's certificate is not valid for this host: " + message;
        }
        return message;
    }

    private static boolean isAuthenticationError(String message) {
        // WRONGPASS: wrong user or password (Redis 6+); NOAUTH: none given; the others: Redis 5 and older.
        return message.startsWith("WRONGPASS") || message.startsWith("NOAUTH")
                || message.startsWith("ERR invalid password") || message.startsWith("ERR AUTH");
    }

    private static Throwable unwrap(Throwable error) {
        while (error instanceof CompletionException && error.getCause() != null) {
            error = error.getCause();
        }
        return error;
    }
}
