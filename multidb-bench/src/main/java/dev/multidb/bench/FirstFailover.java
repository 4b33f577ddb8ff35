package dev.multidb.bench;

import java.util.concurrent.TimeUnit;

import dev.multidb.DatabaseConfig;
import dev.multidb.MultiDbClient;
import dev.multidb.MultiDbConfig;
import dev.multidb.testkit.RedisServer;
import io.lettuce.core.api.sync.RedisCommands;

/**
 * The first failover of a fresh JVM: two redis-servers, a default {@code MultiDbClient}, one writer doing
 * {@code SET f:<n> <n>} for 1 s, then SIGKILL of the primary; prints the time from the kill to the end of the first
 * successful SET started after it. Run it in a new JVM each time (the point is the JVM's first failover):
 *
 * <pre>
 * for i in 1 2 3 4 5; do java -cp multidb-bench/target/multidb-bench.jar dev.multidb.bench.FirstFailover; done
 * java -verbose:class -cp ... dev.multidb.bench.FirstFailover   # classes loaded after the "KILL" line: the failover path
 * </pre>
 *
 * Options: {@code --failovers N} (default 1): N failovers in the same JVM, each with a fresh pair of servers and a
 * fresh client, to compare the first with the later ones; {@code --no-warmup} turns off the library's warm-up
 * ({@code -Dmultidb.warmup=false}), which the first {@code MultiDbClient.create} of a JVM otherwise runs.
 */
public final class FirstFailover {

    private FirstFailover() {
    }

    public static void main(String[] args) throws Exception {
        int failovers = 1;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--failovers" -> failovers = Integer.parseInt(args[++i]);
                case "--no-warmup" -> System.setProperty("multidb.warmup", "false"); // before the first client
                default -> throw new IllegalArgumentException(args[i]);
            }
        }
        JvmWarmup.lettuce(warmServerUri()); // Netty and Lettuce loaded: measure multidb's own path, not Netty's start-up
        StringBuilder out = new StringBuilder();
        for (int f = 0; f < failovers; f++) {
            double ms = once();
            out.append(f == 0 ? "" : " ").append(String.format(java.util.Locale.ROOT, "%.1f", ms));
        }
        System.out.println("RESULT failover ms (first, then later ones in the same JVM): " + out);
        System.exit(0);
    }

    private static String uri;

    private static String warmServerUri() {
        RedisServer warm = RedisServer.start();
        uri = warm.uri();
        Runtime.getRuntime().addShutdownHook(new Thread(warm::close));
        return uri;
    }

    private static double once() throws Exception {
        try (RedisServer primary = RedisServer.start(); RedisServer standby = RedisServer.start()) {
            MultiDbConfig config = MultiDbConfig.builder()
                    .database(DatabaseConfig.builder().fromUrl(primary.uri()).name("primary").weight(1.0).build())
                    .database(DatabaseConfig.builder().fromUrl(standby.uri()).name("standby").weight(0.5).build())
                    .build();
            try (MultiDbClient<String, String> client = MultiDbClient.create(config)) {
                RedisCommands<String, String> redis = client.sync();
                java.util.concurrent.atomic.AtomicLong kill = new java.util.concurrent.atomic.AtomicLong();
                java.util.concurrent.atomic.AtomicLong firstOk = new java.util.concurrent.atomic.AtomicLong();
                Thread writer = new Thread(() -> {
                    long n = 0;
                    while (firstOk.get() == 0) {
                        long start = System.nanoTime();
                        try {
                            redis.set("f:" + n, String.valueOf(n));
                            long k = kill.get();
                            if (k != 0 && start > k) {
                                firstOk.set(System.nanoTime());
                            }
                        } catch (RuntimeException e) {
                            // the call in flight at the kill
                        }
                        n++;
                    }
                }, "first-failover-writer");
                writer.start();
                TimeUnit.SECONDS.sleep(1);
                System.out.println("KILL");
                System.out.flush();
                primary.kill();
                kill.set(System.nanoTime()); // kill() returns once the process is gone
                writer.join(10_000);
                System.out.println("RECOVERED");
                System.out.flush();
                return firstOk.get() == 0 ? Double.NaN : (firstOk.get() - kill.get()) / 1e6;
            }
        }
    }
}
