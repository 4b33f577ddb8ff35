package dev.multidb.bench.chaos;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

import dev.multidb.Database;
import dev.multidb.MultiDbPubSub;
import dev.multidb.NoValidDatabaseException;
import dev.multidb.TemporaryUnavailableException;
import dev.multidb.WatchConflictException;
import io.lettuce.core.KeyValue;
import io.lettuce.core.TransactionResult;
import io.lettuce.core.pubsub.RedisPubSubAdapter;

/**
 * The load: {@code workers} threads, each at a fixed rate, picking at random (seeded) among SET,
 * GET of an own earlier write, INCR of a shared counter, a pipeline of SETs, a WATCH transaction on
 * a shared version key, PUBLISH, and LPUSH of a job; worker 0 also changes a weight now and then.
 * Besides them, one thread consumes the jobs with BLPOP and one Pub/Sub session listens.
 */
final class Workload {

    static final String CHANNEL = "chaos";
    static final String JOBS = "jobs";
    /** Transactions run on one of these groups; each group's keys share a slot through their hash tag. */
    static final int TX_GROUPS = 4;
    static final int COUNTERS = 4;
    private static final int PIPELINE_SETS = 5;

    private final ChaosClient client;
    private final Ledger ledger;
    private final int workers;
    private final long periodNanos;
    private final long seed;
    private final Runnable weightChange;
    private final List<Thread> threads = new ArrayList<>();
    private volatile boolean running = true;
    private MultiDbPubSub<String, String> subscriber;
    final LongAdder operations = new LongAdder();

    Workload(ChaosClient client, Ledger ledger, int workers, int opsPerSecondPerWorker, long seed, Runnable weightChange) {
        this.client = client;
        this.ledger = ledger;
        this.workers = workers;
        this.periodNanos = TimeUnit.SECONDS.toNanos(1) / opsPerSecondPerWorker;
        this.seed = seed;
        this.weightChange = weightChange;
    }

    void start() {
        subscriber = client.endpoint().pubsub();
        subscriber.addListener(new RedisPubSubAdapter<>() {
            @Override
            public void message(String channel, String message) {
                ledger.received(Long.parseLong(message), System.nanoTime());
            }
        });
        subscriber.subscribe(CHANNEL);
        for (int w = 0; w < workers; w++) {
            int id = w;
            threads.add(new Thread(() -> work(id, new Random(seed * 31 + id)), "chaos-worker-" + w));
        }
        threads.add(new Thread(this::consumeJobs, "chaos-blpop"));
        threads.forEach(t -> {
            t.setDaemon(true); // a run that fails half-way must not keep the JVM alive
            t.start();
        });
    }

    /** Stops every load thread; each finishes its call in progress. */
    void stopWorkers() throws InterruptedException {
        running = false;
        for (Thread t : threads) {
            t.join(TimeUnit.SECONDS.toMillis(30));
            if (t.isAlive()) {
                throw new IllegalStateException(t.getName() + " is still in a call 30 s after being told to stop");
            }
        }
    }

    /** Tells every load thread to stop after its call in progress, without waiting. */
    void halt() {
        running = false;
    }

    void closeSubscriber() {
        subscriber.close();
    }

    private void work(int worker, Random random) {
        long next = System.nanoTime();
        long n = 0;
        String lastKey = null;
        String lastValue = null;
        String lastDb = null;
        while (running) {
            next += periodNanos;
            long wait = next - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(wait);
            } else if (wait < -TimeUnit.SECONDS.toNanos(1)) {
                next = System.nanoTime(); // fell behind during an outage: carry on, do not burst
            }
            n++;
            int dice = random.nextInt(100);
            String id = worker + ":" + n;
            long changes = client.endpoint().activeDatabaseChanges();
            Database before = client.endpoint().activeDatabase();
            long start = System.nanoTime();
            String op;
            boolean ok = false;
            String error = null;
            Runnable onSuccess = null;
            try {
                if (worker == 0 && dice == 0 && random.nextInt(10) == 0) {
                    op = "weight";
                    weightChange.run();
                    ledger.weightChanges.increment();
                } else if (dice < 30) {
                    op = "set";
                    String key = "s:" + id;
                    client.sync().set(key, id);
                    String db = attributed(changes, before);
                    ledger.writes.add(new Ledger.Write(key, id, db, System.nanoTime()));
                    lastKey = key;
                    lastValue = id;
                    lastDb = db;
                } else if (dice < 40 && lastKey != null) {
                    op = "get";
                    String value = client.sync().get(lastKey);
                    String expected = lastValue;
                    String writtenOn = lastDb;
                    String key = lastKey;
                    onSuccess = () -> {
                        String readOn = attributed(changes, before);
                        if (writtenOn != null && writtenOn.equals(readOn)) {
                            ledger.checkedReads.increment();
                            if (!expected.equals(value)) {
                                ledger.readMismatches.increment();
                                ledger.readMismatchExamples.add(key + " on " + readOn + ": read " + value + ", wrote " + expected);
                            }
                        }
                    };
                } else if (dice < 55) {
                    op = "incr";
                    String counter = "cnt:" + random.nextInt(COUNTERS);
                    try {
                        long value = client.sync().incr(counter);
                        onSuccess = () -> ledger.incrs.add(new Ledger.Incr(counter, value, attributed(changes, before)));
                    } catch (TemporaryUnavailableException | NoValidDatabaseException e) {
                        ledger.incrRejected.increment();
                        throw e;
                    } catch (RuntimeException e) {
                        ledger.incrUnknown.computeIfAbsent(counter, c -> new LongAdder()).increment();
                        throw e;
                    }
                } else if (dice < 65) {
                    op = "pipeline";
                    List<String> keys = new ArrayList<>();
                    for (int i = 0; i < PIPELINE_SETS; i++) {
                        keys.add("p:" + id + ":" + i);
                    }
                    List<Object> replies = client.endpoint().pipeline(p -> keys.forEach(k -> p.set(k, id)));
                    for (Object reply : replies) {
                        if (!"OK".equals(reply)) {
                            throw new IllegalStateException("pipeline reply " + reply);
                        }
                    }
                    long acked = System.nanoTime();
                    onSuccess = () -> {
                        String db = attributed(changes, before);
                        keys.forEach(k -> ledger.writes.add(new Ledger.Write(k, id, db, acked)));
                    };
                } else if (dice < 75) {
                    op = "transaction";
                    String group = txGroup(random.nextInt(TX_GROUPS));
                    String txId = group + id;
                    ledger.txAttempted.add(txId);
                    try {
                        TransactionResult result = client.endpoint().transaction(tx -> {
                            String version = tx.get(group + "ver");
                            tx.multi();
                            tx.set(group + "a:" + id, txId);
                            tx.set(group + "b:" + id, txId);
                            tx.set(group + "ver", Long.toString(version == null ? 1 : Long.parseLong(version) + 1));
                        }, group + "ver");
                        if (result.wasDiscarded()) {
                            throw new IllegalStateException("transaction discarded");
                        }
                        onSuccess = () -> ledger.txAcked.put(txId, Ledger.dbOrBlank(attributed(changes, before)));
                    } catch (WatchConflictException e) {
                        // A defined outcome under contention (nothing applied), not a failure of the client.
                        ledger.txConflicts.increment();
                        op = "transaction-conflict";
                    } catch (dev.multidb.OutcomeUnknownException e) {
                        ledger.txUnknown.increment();
                        throw e;
                    } catch (RuntimeException e) {
                        ledger.txFailed.increment();
                        throw e;
                    }
                } else if (dice < 85) {
                    op = "publish";
                    long seq = ledger.publishSeq.incrementAndGet();
                    long receivers = client.sync().publish(CHANNEL, Long.toString(seq));
                    long end = System.nanoTime();
                    onSuccess = () -> ledger.published.add(new Ledger.Publish(seq, start, end, receivers, attributed(changes, before)));
                } else if (dice < 95) {
                    op = "lpush";
                    try {
                        client.sync().lpush(JOBS, id);
                        onSuccess = () -> ledger.jobsPushed.put(id, Ledger.dbOrBlank(attributed(changes, before)));
                    } catch (TemporaryUnavailableException | NoValidDatabaseException e) {
                        throw e;
                    } catch (RuntimeException e) {
                        ledger.jobPushUnknown.increment();
                        throw e;
                    }
                } else {
                    op = "get";
                    client.sync().get("s:" + id); // a miss
                }
                ok = true;
            } catch (RuntimeException e) {
                op = "failed";
                error = describe(e);
            }
            long end = System.nanoTime();
            if (ok && onSuccess != null) {
                onSuccess.run();
            }
            ledger.calls.add(new Ledger.Call(start, end, ok, op, error, before == null ? null : before.name()));
            operations.increment();
        }
    }

    /** The key prefix of transaction group {@code g}, e.g. {@code {tx2}:}. */
    static String txGroup(int g) {
        return "{tx" + g + "}:";
    }

    /**
     * The database that served a call, or {@code null}: the active database was read before the call
     * and is read again after it, together with the change counter; only if neither moved was it
     * one database throughout.
     */
    private String attributed(long changesBefore, Database before) {
        Database after = client.endpoint().activeDatabase();
        long changesAfter = client.endpoint().activeDatabaseChanges();
        return before != null && before == after && changesBefore == changesAfter ? before.name() : null;
    }

    private void consumeJobs() {
        while (running) {
            Database active = client.endpoint().activeDatabase();
            String db = active == null ? null : active.name();
            long start = System.nanoTime();
            try {
                KeyValue<String, String> job = client.sync().blpop(1, JOBS);
                if (job != null && job.hasValue()) {
                    ledger.jobsPopped.computeIfAbsent(job.getValue(), j -> new LongAdder()).increment();
                }
                ledger.calls.add(new Ledger.Call(start, System.nanoTime(), true, "blpop", null, db));
            } catch (TemporaryUnavailableException | NoValidDatabaseException e) {
                ledger.calls.add(new Ledger.Call(start, System.nanoTime(), false, "blpop", describe(e), db));
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100)); // nothing to consume from: back off
            } catch (RuntimeException e) {
                ledger.popUnknown.increment();
                ledger.calls.add(new Ledger.Call(start, System.nanoTime(), false, "blpop", describe(e), db));
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10)); // never a busy loop, e.g. on a closed client
            }
        }
    }

    static String describe(Throwable e) {
        String message = String.valueOf(e.getMessage());
        return e.getClass().getSimpleName() + ": " + (message.length() > 160 ? message.substring(0, 160) + "…" : message);
    }
}
