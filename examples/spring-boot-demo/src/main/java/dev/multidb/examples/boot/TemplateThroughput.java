package dev.multidb.examples.boot;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;

import io.lettuce.core.codec.ByteArrayCodec;

import org.springframework.dao.DataAccessException;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.RedisCallback;
import org.springframework.data.redis.core.RedisOperations;
import org.springframework.data.redis.core.SessionCallback;
import org.springframework.data.redis.core.StringRedisTemplate;

import dev.multidb.DatabaseConfig;
import dev.multidb.MultiDbClient;
import dev.multidb.MultiDbConfig;
import dev.multidb.spring.MultiDbConnectionFactory;
import dev.multidb.testkit.RedisServer;

/**
 * {@code StringRedisTemplate} throughput through multidb's {@link MultiDbConnectionFactory} and
 * through Spring's own {@link LettuceConnectionFactory}, in the same run, against the same local
 * redis-server (multidb also has a standby, as in production). Rounds alternate between the two
 * so that drift on a shared machine hits both; the median of the rounds is reported.
 *
 * <p>Run: {@code examples/spring-boot-demo/bench.sh [seconds-per-round] [rounds]}.
 */
public final class TemplateThroughput {

    private interface Op {
        void run(StringRedisTemplate template, int thread, long i);
    }

    public static void main(String[] args) throws Exception {
        Duration round = Duration.ofSeconds(args.length > 0 ? Long.parseLong(args[0]) : 3);
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        try (RedisServer server = RedisServer.start(); RedisServer standby = RedisServer.start();
                MultiDbClient<byte[], byte[]> client = MultiDbClient.create(MultiDbConfig.builder()
                        .database(DatabaseConfig.builder().fromUrl(server.uri()).name("primary").weight(1.0).build())
                        .database(DatabaseConfig.builder().fromUrl(standby.uri()).name("standby").weight(0.5).build())
                        .build(), ByteArrayCodec.INSTANCE)) {
            MultiDbConnectionFactory multidb = new MultiDbConnectionFactory(client);
            multidb.start();
            LettuceConnectionFactory lettuce = new LettuceConnectionFactory(server.host(), server.port());
            lettuce.afterPropertiesSet();
            lettuce.start();
            try {
                Map<String, Op> workloads = new LinkedHashMap<>();
                workloads.put("SET+GET", (t, thread, i) -> {
                    String key = "k" + thread + ":" + (i & 1023);
                    t.opsForValue().set(key, "value");
                    t.opsForValue().get(key);
                });
                workloads.put("executePipelined (100 INCR)", (t, thread, i) -> t.executePipelined((RedisCallback<Object>) c -> {
                    byte[] key = ("p" + thread).getBytes();
                    for (int n = 0; n < 100; n++) {
                        c.stringCommands().incr(key);
                    }
                    return null;
                }));
                workloads.put("SessionCallback MULTI/EXEC (2 cmds)", (t, thread, i) -> t.execute(new SessionCallback<List<Object>>() {
                    @Override
                    @SuppressWarnings({ "unchecked", "rawtypes" })
                    public List<Object> execute(RedisOperations ops) throws DataAccessException {
                        ops.multi();
                        ops.opsForValue().increment("tx" + thread);
                        ops.opsForValue().increment("tx" + thread);
                        return ops.exec();
                    }
                }));
                System.out.printf("redis-server %s, %d rounds of %d s per cell, median calls/s (rounds)%n",
                        String.join(".", Arrays.stream(RedisServer.serverVersion()).mapToObj(String::valueOf).toList()),
                        rounds, round.toSeconds());
                System.out.printf("| workload | threads | Spring LettuceConnectionFactory | multidb MultiDbConnectionFactory | multidb / Spring |%n");
                System.out.printf("|---|---|---|---|---|%n");
                for (Map.Entry<String, Op> w : workloads.entrySet()) {
                    for (int threads : new int[] { 1, 8 }) {
                        List<Double> spring = new ArrayList<>();
                        List<Double> ours = new ArrayList<>();
                        measure(lettuce, w.getValue(), threads, Duration.ofSeconds(1)); // warm-up
                        measure(multidb, w.getValue(), threads, Duration.ofSeconds(1));
                        for (int r = 0; r < rounds; r++) {
                            spring.add(measure(lettuce, w.getValue(), threads, round));
                            ours.add(measure(multidb, w.getValue(), threads, round));
                        }
                        double s = median(spring);
                        double m = median(ours);
                        System.out.printf("| %s | %d | %,.0f | %,.0f | %.2f |%n", w.getKey(), threads, s, m, m / s);
                    }
                }
            } finally {
                lettuce.destroy();
                multidb.destroy();
            }
        }
    }

    private static double measure(RedisConnectionFactory factory, Op op, int threads, Duration duration) throws InterruptedException {
        StringRedisTemplate template = new StringRedisTemplate(factory);
        LongAdder calls = new LongAdder();
        AtomicBoolean stop = new AtomicBoolean();
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int thread = t;
            Thread worker = new Thread(() -> {
                for (long i = 0; !stop.get(); i++) {
                    op.run(template, thread, i);
                    calls.increment();
                }
            });
            workers.add(worker);
        }
        long start = System.nanoTime();
        workers.forEach(Thread::start);
        Thread.sleep(duration.toMillis()); // the measurement window, not a synchronisation
        stop.set(true);
        for (Thread w : workers) {
            w.join();
        }
        return calls.sum() / ((System.nanoTime() - start) / 1e9);
    }

    private static double median(List<Double> values) {
        List<Double> sorted = values.stream().sorted().toList();
        return sorted.get(sorted.size() / 2);
    }
}
