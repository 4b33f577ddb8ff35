package dev.multidb;

/**
 * Something the client did or saw. Listeners registered with
 * {@link MultiDbClient#addListener(Class, java.util.function.Consumer)} run on the client's single
 * event thread, in order, never on a thread that runs commands: a slow or throwing listener
 * delays only later events.
 */
public interface MultiDbEvent {
}
