package dev.multidb.command;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.RedisException;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.protocol.RedisCommand;

import dev.multidb.NoValidDatabaseException;
import dev.multidb.OutcomeUnknownException;
import dev.multidb.TemporaryUnavailableException;
import dev.multidb.database.DatabaseRuntime;

/**
 * Runs a recorded batch on the database active at execution time, in one write. When attempts
 * fail, the failed commands are sent again (in order, on the then active database) only if every
 * one of them that may have reached the server is safe to repeat under the retry policy;
 * otherwise they fail, and the ones whose outcome is unknown say so.
 */
final class PipelineExecution<K, V> implements AttemptOwner<K, V> {

    private final CommandRouter<K, V> router;
    private final List<RedisCommand<K, V, ?>> commands;
    private final CompletableFuture<List<Object>> result = new CompletableFuture<>();
    /** The application connection whose own connections carry the batch, or {@code null} for the shared one. */
    private final SessionWriter<K, V> session;

    PipelineExecution(CommandRouter<K, V> router, List<RedisCommand<K, V, ?>> commands) {
        this(router, commands, null);
    }

    PipelineExecution(CommandRouter<K, V> router, List<RedisCommand<K, V, ?>> commands, SessionWriter<K, V> session) {
        this.router = router;
        this.commands = commands;
        this.session = session;
    }

    CompletableFuture<List<Object>> start() {
        if (commands.isEmpty()) {
            result.complete(List.of());
        } else {
            round(commands, 0);
        }
        return result;
    }

    /** One round: every pending command, to one database, in one write. */
    private void round(List<RedisCommand<K, V, ?>> pending, int attempt) {
        DatabaseRuntime<K, V> database;
        try {
            database = router.attempts().target();
        } catch (RedisException unavailable) {
            pending.forEach(c -> c.completeExceptionally(unavailable));
            finish();
            return;
        }
        Round round = new Round(pending.size(), attempt);
        List<RedisCommand<K, V, ?>> batch = new ArrayList<>(pending.size());
        for (RedisCommand<K, V, ?> command : pending) {
            RoutedCommand<K, V, ?> routed = new RoutedCommand<>(command, database, attempt, this, true);
            routed.onComplete((value, error) -> round.done(routed, error));
            batch.add(routed);
        }
        if (session != null) {
            database.dispatched.add(batch.size());
            session.link(database).writeAll(batch);
            return;
        }
        StatefulConnection<K, V> connection = database.commandConnection();
        if (connection == null || !connection.isOpen()) {
            database.reconnect();
            database.dispatched.add(batch.size()); // counted as sent and answered, so the stall watchdog stays balanced
            RedisException notConnected = new RedisException("Currently not connected to '" + database.name() + "'");
            batch.forEach(c -> c.completeExceptionally(notConnected));
            return;
        }
        database.dispatched.add(batch.size());
        ((RedisChannelHandler<?, ?>) connection).getChannelWriter().write(batch);
    }

    /** A retry round; an application connection's waits for a transaction begun since (see SessionWriter#resend). */
    private void resend(List<RedisCommand<K, V, ?>> again, int attempt) {
        if (session == null) {
            round(again, attempt);
            return;
        }
        session.resend(again, () -> round(again, attempt));
    }

    @Override
    public <T> void attemptFailed(RoutedCommand<K, V, T> attempt, Throwable error) {
        // Decided per round, once every command of the round is done (see Round).
    }

    /** Tracks one round's attempts; when the last one is done, the attempt executor decides what to resend. */
    private final class Round {
        private final int attempt;
        private int outstanding;
        private final List<RoutedCommand<K, V, ?>> failed = new ArrayList<>();
        private Throwable firstError;

        Round(int size, int attempt) {
            this.outstanding = size;
            this.attempt = attempt;
        }

        void done(RoutedCommand<K, V, ?> routed, Throwable error) {
            synchronized (this) {
                if (error != null) {
                    if (FailureKind.of(error) == FailureKind.OTHER) {
                        routed.command.completeExceptionally(error);
                    } else {
                        failed.add(routed);
                        if (firstError == null) {
                            firstError = error;
                        }
                    }
                }
                if (--outstanding > 0) {
                    return;
                }
            }
            decide();
        }

        private void decide() {
            if (failed.isEmpty()) {
                finish();
                return;
            }
            failed.sort((a, b) -> Integer.compare(commands.indexOf(a.command), commands.indexOf(b.command)));
            AttemptExecutor<K, V> attempts = router.attempts();
            AttemptExecutor.Verdict verdict = attempts.failedTogether(failed, attempt, firstError);
            if (verdict.retry()) {
                List<RedisCommand<K, V, ?>> again = failed.stream().<RedisCommand<K, V, ?>>map(r -> r.command).toList();
                attempts.retryLater(again, () -> resend(again, attempt + 1), verdict.backoffNanos(), PipelineExecution.this::finish);
                return;
            }
            for (RoutedCommand<K, V, ?> routed : failed) {
                routed.command.completeExceptionally(attempts.giveUpError(routed, firstError));
            }
            finish();
        }
    }

    /** Completes the batch's future with every reply (or Redis error) in order, once all commands are done. */
    private void finish() {
        List<Object> replies = new ArrayList<>(commands.size());
        List<String> unknown = new ArrayList<>();
        Throwable failure = null;
        String database = null;
        for (int i = 0; i < commands.size(); i++) {
            RedisCommand<K, V, ?> command = commands.get(i);
            Object reply = replyOf(command);
            if (reply instanceof OutcomeUnknownException e) {
                unknown.add(i + " (" + command.getType() + ")");
                database = e.database();
                failure = failure == null ? e : failure;
            } else if (reply instanceof Throwable t && failure == null && FailureKind.of(t) != FailureKind.OTHER) {
                failure = t;
            }
            replies.add(reply);
        }
        if (failure == null && replies.stream().allMatch(r -> r instanceof Throwable)) {
            // Nothing of the batch ran because no database is usable: throw as a single command would,
            // rather than hand back a list of errors. (If any command ran, the list says which.)
            failure = replies.stream().map(Throwable.class::cast).filter(PipelineExecution::isUnavailable).findFirst().orElse(null);
        }
        if (!unknown.isEmpty()) {
            result.completeExceptionally(new OutcomeUnknownException("pipeline commands " + String.join(", ", unknown)
                    + " may or may not have been applied on database '" + database + "'; the other commands either"
                    + " completed (see their futures) or were not applied", failure));
        } else if (failure != null) {
            result.completeExceptionally(failure);
        } else {
            result.complete(replies);
        }
    }

    private static boolean isUnavailable(Throwable t) {
        return t instanceof TemporaryUnavailableException || t instanceof NoValidDatabaseException;
    }

    private static Object replyOf(RedisCommand<?, ?, ?> command) {
        try {
            return ((CompletableFuture<?>) command).get(0, TimeUnit.NANOSECONDS);
        } catch (ExecutionException e) {
            return e.getCause();
        } catch (Exception e) {
            return e;
        }
    }
}
