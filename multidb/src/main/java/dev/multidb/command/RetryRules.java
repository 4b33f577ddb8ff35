package dev.multidb.command;

import dev.multidb.RetryPolicy;

/** DESIGN rule 4 in one place: may an attempt that failed be sent again? */
final class RetryRules {

    private RetryRules() {
    }

    /**
     * @param sent whether the attempt may have reached the server
     */
    static boolean mayRetry(RetryPolicy policy, boolean sent, RoutedCommand<?, ?, ?> attempt) {
        return switch (policy) {
            case NEVER -> false;
            case ALWAYS -> true;
            case SAFE -> !sent || isSafe(attempt);
        };
    }

    static boolean isSafe(RoutedCommand<?, ?, ?> attempt) {
        return CommandSafety.classify(attempt.getType(), attempt.getArgs()).isRetryable();
    }
}
