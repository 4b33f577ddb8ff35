package dev.multidb.pubsub;

import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/** Futures wrap the failure that matters (a refusal, a lost connection) in layers; this peels them. */
final class Causes {

    private Causes() {
    }

    static Throwable unwrap(Throwable e) {
        while ((e instanceof ExecutionException || e instanceof CompletionException) && e.getCause() != null) {
            e = e.getCause();
        }
        return e;
    }
}
