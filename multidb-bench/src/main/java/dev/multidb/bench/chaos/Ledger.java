package dev.multidb.bench.chaos;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * Everything the workload was told by the client, kept for the checks at the end. A {@code db} of
 * {@code null} means the call cannot be pinned to one database: the active database changed while
 * it ran (see {@code MultiDbClient.activeDatabaseChanges()}).
 */
final class Ledger {

    /** An acknowledged SET (alone or in a pipeline) of a key written exactly once, and when the client acknowledged it. */
    record Write(String key, String value, String db, long ackNanos) {
    }

    /** An acknowledged INCR and the value it returned. */
    record Incr(String counter, long value, String db) {
    }

    /** An acknowledged PUBLISH: its sequence number, when it ran, and how many subscribers the server reached. */
    record Publish(long seq, long startNanos, long endNanos, long receivers, String db) {
    }

    /**
     * A call's timing and outcome, for recovery times and the clean window at the end. {@code db} is the database the
     * call was sent to: the active database read just before it ({@code null} if there was none).
     */
    record Call(long startNanos, long endNanos, boolean ok, String op, String error, String db) {
    }

    final Queue<Write> writes = new ConcurrentLinkedQueue<>();
    final LongAdder readMismatches = new LongAdder();
    final Queue<String> readMismatchExamples = new ConcurrentLinkedQueue<>();
    final LongAdder checkedReads = new LongAdder();

    final Queue<Incr> incrs = new ConcurrentLinkedQueue<>();
    /** Per counter: INCRs that failed in a way that does not rule out that they were applied. */
    final Map<String, LongAdder> incrUnknown = new ConcurrentHashMap<>();
    final LongAdder incrRejected = new LongAdder();

    /** Every transaction id attempted (its keys must be all there or all absent on every database). */
    final Queue<String> txAttempted = new ConcurrentLinkedQueue<>();
    final Map<String, String> txAcked = new ConcurrentHashMap<>(); // id -> db, "" when not attributable
    final LongAdder txUnknown = new LongAdder();
    final LongAdder txConflicts = new LongAdder();
    final LongAdder txFailed = new LongAdder();

    final Map<String, String> jobsPushed = new ConcurrentHashMap<>(); // id -> db, "" when not attributable
    final LongAdder jobPushUnknown = new LongAdder();
    final Map<String, LongAdder> jobsPopped = new ConcurrentHashMap<>();
    final LongAdder popUnknown = new LongAdder();

    final AtomicLong publishSeq = new AtomicLong();
    final Queue<Publish> published = new ConcurrentLinkedQueue<>();
    /** seq -> receive times (nanos); more than one entry is a duplicate. */
    final Map<Long, List<Long>> received = new ConcurrentHashMap<>();

    final LongAdder weightChanges = new LongAdder();
    final Queue<Call> calls = new ConcurrentLinkedQueue<>();

    /** {@code [nanoTime, description]} of every active-database change, as events report them. */
    final Queue<Object[]> switches = new ConcurrentLinkedQueue<>();

    void received(long seq, long atNanos) {
        List<Long> times = received.computeIfAbsent(seq, s -> new ArrayList<>(1));
        synchronized (times) {
            times.add(atNanos);
        }
    }

    static String dbOrBlank(String db) {
        return db == null ? "" : db;
    }
}
