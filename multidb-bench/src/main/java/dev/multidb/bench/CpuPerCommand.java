package dev.multidb.bench;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;

import dev.multidb.DatabaseConfig;
import dev.multidb.MultiDbClient;
import dev.multidb.MultiDbConfig;
import dev.multidb.testkit.RedisServer;

/**
 * Throughput and CPU time the client JVM spends per command, plain Lettuce against multidb, in one
 * JVM against the same server: async with 64 commands in flight, or sync SET+GET from one thread. Throughput on this 2-core VM swings ±20 % from one fork to the next (the client, the
 * event loop and redis-server share two cores with a noisy host); the client's own CPU time per
 * command is a steadier measure of what the multi-database layer costs. Rounds alternate between
 * the two clients so that drift hits both alike.
 *
 * <p>{@code java -cp multidb-bench/target/multidb-bench.jar dev.multidb.bench.CpuPerCommand [async|sync|pipeline] [rounds] [commandsPerRound]}
 *
 * <p>With {@code connect-sync}, {@code connect-async} or {@code connect-pipeline}, multidb's side is a
 * connection of the application's own ({@code client.connect()}), used exactly as the plain Lettuce
 * connection is (for pipelines: manual flushing on it, as on Lettuce's).
 */
public final class CpuPerCommand {

    private static final int IN_FLIGHT = 64;

    public static void main(String[] args) throws Exception {
        String requested = args.length > 0 ? args[0] : "async";
        boolean own = requested.startsWith("connect-");
        String mode = own ? requested.substring("connect-".length()) : requested;
        boolean sync = mode.equals("sync");
        boolean pipeline = mode.equals("pipeline");
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 6;
        int commands = args.length > 2 ? Integer.parseInt(args[2]) : (sync ? 60_000 : 300_000);
        try (RedisServer primary = RedisServer.start(); RedisServer standby = RedisServer.start()) {
            JvmWarmup.lettuce(standby.uri());
            RedisClient plainClient = RedisClient.create(primary.uri());
            StatefulRedisConnection<String, String> plain = plainClient.connect();
            MultiDbClient<String, String> multi = MultiDbClient.create(MultiDbConfig.builder()
                    .database(DatabaseConfig.builder().fromUrl(primary.uri()).name("primary").weight(1.0).build())
                    .database(DatabaseConfig.builder().fromUrl(standby.uri()).name("standby").weight(0.5).build())
                    .build());
            try {
                StatefulRedisConnection<String, String> batching = plainClient.connect(); // manual flushing needs its own connection
                Workload plainLoad = sync ? n -> syncRun(plain.sync(), n)
                        : pipeline ? n -> plainPipelines(batching, n) : n -> run(plain.async(), n);
                StatefulRedisConnection<String, String> ownConnection = own ? multi.connect() : null;
                Workload multiLoad = own
                        ? (sync ? n -> syncRun(ownConnection.sync(), n)
                                : pipeline ? n -> plainPipelines(ownConnection, n) : n -> run(ownConnection.async(), n))
                        : (sync ? n -> syncRun(multi.sync(), n)
                                : pipeline ? n -> multiDbPipelines(multi, n) : n -> run(multi.async(), n));
                plainLoad.run(commands); // warm-up, both paths
                multiLoad.run(commands);
                List<double[]> lettuce = new ArrayList<>();
                List<double[]> multidb = new ArrayList<>();
                for (int r = 0; r < rounds; r++) {
                    lettuce.add(plainLoad.run(commands));
                    multidb.add(multiLoad.run(commands));
                }
                System.out.print(own ? "multidb through client.connect(): " : "");
                System.out.println(sync ? "sync SET+GET, 1 thread (a command = one SET or one GET)"
                        : pipeline ? "pipelines of 100 SETs, one at a time (a command = one SET)" : "async, 64 SETs in flight");
                batching.close();
                report("lettuce", lettuce);
                report("multidb", multidb);
                System.out.printf(Locale.ROOT, "multidb / lettuce throughput (median): %.3f, CPU per command (median): %.3f%n",
                        median(multidb, 1) / median(lettuce, 1), median(multidb, 0) / median(lettuce, 0));
            } finally {
                multi.close();
                plain.close();
                plainClient.shutdown();
            }
        }
    }

    @FunctionalInterface
    private interface Workload {
        double[] run(int commands) throws Exception;
    }

    private static double[] syncRun(io.lettuce.core.api.sync.RedisCommands<String, String> sync, int commands) {
        var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        long cpuBefore = os.getProcessCpuTime();
        long started = System.nanoTime();
        for (int i = 0; i < commands; i += 2) {
            sync.set("key", "value");
            sync.get("key");
        }
        long elapsed = System.nanoTime() - started;
        long cpu = os.getProcessCpuTime() - cpuBefore;
        return new double[] {cpu / 1000.0 / commands, commands * 1e9 / elapsed};
    }

    private static final int BATCH = 100;

    /** Plain Lettuce's way to pipeline: manual flushing on a connection of its own. */
    @SuppressWarnings("unchecked")
    private static double[] plainPipelines(StatefulRedisConnection<String, String> connection, int commands) throws Exception {
        connection.setAutoFlushCommands(false);
        RedisAsyncCommands<String, String> async = connection.async();
        RedisFuture<String>[] futures = new RedisFuture[BATCH];
        return measure(commands, () -> {
            for (int i = 0; i < BATCH; i++) {
                futures[i] = async.set("key:" + i, "value");
            }
            connection.flushCommands();
            for (int i = 0; i < BATCH; i++) {
                futures[i].get();
            }
        });
    }

    private static double[] multiDbPipelines(MultiDbClient<String, String> client, int commands) throws Exception {
        return measure(commands, () -> client.pipeline(p -> {
            for (int i = 0; i < BATCH; i++) {
                p.set("key:" + i, "value");
            }
        }));
    }

    @FunctionalInterface
    private interface Batch {
        void run() throws Exception;
    }

    private static double[] measure(int commands, Batch batch) throws Exception {
        var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        long cpuBefore = os.getProcessCpuTime();
        long started = System.nanoTime();
        for (int done = 0; done < commands; done += BATCH) {
            batch.run();
        }
        long elapsed = System.nanoTime() - started;
        long cpu = os.getProcessCpuTime() - cpuBefore;
        return new double[] {cpu / 1000.0 / commands, commands * 1e9 / elapsed};
    }

    /** {CPU µs per command of this JVM, commands per second}. */
    private static double[] run(RedisAsyncCommands<String, String> async, int commands) throws Exception {
        @SuppressWarnings("unchecked")
        RedisFuture<String>[] futures = new RedisFuture[IN_FLIGHT];
        var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        long cpuBefore = os.getProcessCpuTime();
        long started = System.nanoTime();
        for (int done = 0; done < commands; done += IN_FLIGHT) {
            for (int i = 0; i < IN_FLIGHT; i++) {
                futures[i] = async.set("key:" + i, "value");
            }
            for (int i = 0; i < IN_FLIGHT; i++) {
                futures[i].get();
            }
        }
        long elapsed = System.nanoTime() - started;
        long cpu = os.getProcessCpuTime() - cpuBefore;
        return new double[] {cpu / 1000.0 / commands, commands * 1e9 / elapsed};
    }

    private static void report(String name, List<double[]> rounds) {
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "%-8s CPU µs/command median %.2f, ops/s median %.0f  [",
                name, median(rounds, 0), median(rounds, 1)));
        for (double[] r : rounds) {
            sb.append(String.format(Locale.ROOT, " %.2f/%.0f", r[0], r[1]));
        }
        System.out.println(sb.append(" ]"));
    }

    private static double median(List<double[]> rounds, int index) {
        double[] values = rounds.stream().mapToDouble(r -> r[index]).sorted().toArray();
        return values.length % 2 == 1 ? values[values.length / 2] : (values[values.length / 2 - 1] + values[values.length / 2]) / 2;
    }
}
