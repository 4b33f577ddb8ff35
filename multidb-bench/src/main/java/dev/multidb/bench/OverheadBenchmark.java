package dev.multidb.bench;

import java.util.concurrent.TimeUnit;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.api.sync.RedisCommands;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.infra.Blackhole;
import org.openjdk.jmh.infra.ThreadParams;

import dev.multidb.DatabaseConfig;
import dev.multidb.MultiDbClient;
import dev.multidb.MultiDbConfig;
import dev.multidb.testkit.RedisServer;

/**
 * Overhead of the multi-database layer on the command path: plain Lettuce ({@code RedisClient.create(uri).connect()},
 * default options) against a {@link MultiDbClient} with two member databases and default settings. Both talk to the
 * same local redis-server (the multidb client's active database is that server; the second server is the standby
 * it health-checks). Each {@code client} parameter value runs in its own fork.
 *
 * <ul>
 *   <li>{@code syncSetGet}: one op = one synchronous SET followed by one synchronous GET (a round-trip pair), 1 thread;</li>
 *   <li>{@code syncSetGet8Threads}: the same from 8 threads sharing one connection / one client;</li>
 *   <li>{@code async64InFlight}: 64 asynchronous SETs issued, then all awaited; one op = one command.</li>
 *   <li>{@code pipeline100}: a batch of 100 SETs sent in one write and awaited (plain Lettuce: manual
 *       flushing on a connection of its own; multidb: {@code client.pipeline(...)}); one op = one batch.</li>
 *   <li>{@code transaction}: MULTI, SET, INCR, EXEC (plain Lettuce: on a connection of its own; multidb:
 *       {@code client.transaction(...)}, on a pooled dedicated connection); one op = one transaction.</li>
 * </ul>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class OverheadBenchmark {

    static final int IN_FLIGHT = 64;

    @Param({ "lettuce", "multidb" })
    public String client;

    private RedisServer primary;
    private RedisServer standby;
    private RedisClient lettuceClient;
    private StatefulRedisConnection<String, String> lettuceConnection;
    private MultiDbClient<String, String> multiDb;

    RedisCommands<String, String> sync;
    RedisAsyncCommands<String, String> async;
    /** Plain Lettuce's connection for manual flushing and MULTI/EXEC, which must not share the multiplexed one. */
    private StatefulRedisConnection<String, String> lettuceDedicated;

    @Setup(Level.Trial)
    public void setUp() {
        primary = RedisServer.start();
        standby = RedisServer.start();
        // The same JVM warm-up for both clients (see JvmWarmup for why multidb needs it at all).
        JvmWarmup.lettuce(standby.uri());
        switch (client) {
            case "lettuce" -> {
                lettuceClient = RedisClient.create(primary.uri());
                lettuceConnection = lettuceClient.connect();
                sync = lettuceConnection.sync();
                async = lettuceConnection.async();
                lettuceDedicated = lettuceClient.connect();
            }
            case "multidb" -> {
                MultiDbConfig config = MultiDbConfig.builder()
                        .database(DatabaseConfig.builder().fromUrl(primary.uri()).name("primary").weight(1.0).build())
                        .database(DatabaseConfig.builder().fromUrl(standby.uri()).name("standby").weight(0.5).build())
                        .build();
                multiDb = MultiDbClient.create(config);
                if (!"primary".equals(multiDb.activeDatabase().name())) {
                    throw new IllegalStateException("expected the primary to be active, was " + multiDb.activeDatabase().name());
                }
                sync = multiDb.sync();
                async = multiDb.async();
            }
            default -> throw new IllegalArgumentException("client must be lettuce or multidb, was " + client);
        }
        sync.set("warm", "up");
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (multiDb != null) {
            if (!"primary".equals(multiDb.activeDatabase().name())) {
                // A failover during the measurement would invalidate the comparison: say so loudly.
                System.err.println("WARNING: multidb switched to " + multiDb.activeDatabase().name() + " during the trial");
            }
            multiDb.close();
        }
        if (lettuceConnection != null) {
            lettuceConnection.close();
        }
        if (lettuceDedicated != null) {
            lettuceDedicated.close();
        }
        if (lettuceClient != null) {
            lettuceClient.shutdown();
        }
        if (primary != null) {
            primary.close();
        }
        if (standby != null) {
            standby.close();
        }
    }

    /** Per-thread key, value and future buffer, so threads do not contend on one key. */
    @State(Scope.Thread)
    public static class PerThread {
        String key;
        String value;
        String[] keys;
        @SuppressWarnings("unchecked")
        final RedisFuture<String>[] futures = new RedisFuture[IN_FLIGHT];

        @Setup(Level.Trial)
        public void setUp(ThreadParams params) {
            key = "bench:" + params.getThreadIndex();
            value = "value-" + params.getThreadIndex() + "-0123456789abcdef"; // ~26 bytes
            keys = new String[IN_FLIGHT];
            for (int i = 0; i < IN_FLIGHT; i++) {
                keys[i] = key + ":" + i;
            }
        }
    }

    @Benchmark
    @Threads(1)
    public String syncSetGet(PerThread t) {
        sync.set(t.key, t.value);
        return sync.get(t.key);
    }

    @Benchmark
    @Threads(8)
    public String syncSetGet8Threads(PerThread t) {
        sync.set(t.key, t.value);
        return sync.get(t.key);
    }

    @Benchmark
    @Threads(1)
    @OperationsPerInvocation(IN_FLIGHT)
    public void async64InFlight(PerThread t, Blackhole bh) throws Exception {
        RedisFuture<String>[] futures = t.futures;
        for (int i = 0; i < IN_FLIGHT; i++) {
            futures[i] = async.set(t.keys[i], t.value);
        }
        for (int i = 0; i < IN_FLIGHT; i++) {
            bh.consume(futures[i].get(10, TimeUnit.SECONDS));
        }
    }

    static final int BATCH = 100;

    @Benchmark
    @Threads(1)
    public void pipeline100(PerThread t, Blackhole bh) throws Exception {
        if (multiDb != null) {
            bh.consume(multiDb.pipeline(p -> {
                for (int i = 0; i < BATCH; i++) {
                    p.set(t.keys[i % IN_FLIGHT], t.value);
                }
            }));
            return;
        }
        lettuceDedicated.setAutoFlushCommands(false);
        RedisAsyncCommands<String, String> batch = lettuceDedicated.async();
        @SuppressWarnings("unchecked")
        RedisFuture<String>[] futures = new RedisFuture[BATCH];
        for (int i = 0; i < BATCH; i++) {
            futures[i] = batch.set(t.keys[i % IN_FLIGHT], t.value);
        }
        lettuceDedicated.flushCommands();
        for (int i = 0; i < BATCH; i++) {
            bh.consume(futures[i].get(10, TimeUnit.SECONDS));
        }
    }

    @Benchmark
    @Threads(1)
    public Object transaction(PerThread t) {
        if (multiDb != null) {
            return multiDb.transaction(tx -> {
                tx.set(t.key, t.value);
                tx.incr(t.key + ":n");
            });
        }
        lettuceDedicated.setAutoFlushCommands(true); // in case pipeline100 ran in this JVM
        RedisCommands<String, String> tx = lettuceDedicated.sync();
        tx.multi();
        tx.set(t.key, t.value);
        tx.incr(t.key + ":n");
        return tx.exec();
    }
}
