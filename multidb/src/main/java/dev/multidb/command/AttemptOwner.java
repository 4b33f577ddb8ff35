package dev.multidb.command;

/** Who decides what happens after an attempt failed: the single-command router or a pipeline. */
interface AttemptOwner<K, V> {

    <T> void attemptFailed(RoutedCommand<K, V, T> attempt, Throwable error);
}
