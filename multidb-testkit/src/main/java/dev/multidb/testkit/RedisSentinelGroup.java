package dev.multidb.testkit;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * A Redis Sentinel group on loopback ports: a master, a replica of it, and three Sentinels (quorum 2) that
 * watch it with short timers, so that a killed master is replaced by its replica within a few seconds.
 * All plain {@code redis-server} processes ({@link RedisServer}); closed together.
 */
public final class RedisSentinelGroup implements AutoCloseable {

    /** How long the Sentinels wait before they call an unanswering master down. */
    public static final Duration DOWN_AFTER = Duration.ofMillis(1000);
    private static final Duration FAILOVER_TIMEOUT = Duration.ofSeconds(3);
    private static final Duration FAILOVER_BOUND = Duration.ofSeconds(30);

    private final String masterName;
    private final List<RedisServer> dataNodes = new ArrayList<>();
    private final List<RedisServer> sentinels = new ArrayList<>();

    private RedisSentinelGroup(String masterName) {
        this.masterName = masterName;
    }

    /** Starts the master, its replica (waiting until it is in sync) and three Sentinels that agree on the master. */
    public static RedisSentinelGroup start(String masterName) {
        RedisSentinelGroup group = new RedisSentinelGroup(masterName);
        try {
            RedisServer master = RedisServer.start();
            group.dataNodes.add(master);
            RedisServer replica = RedisServer.start("--replicaof", master.host(), Integer.toString(master.port()));
            group.dataNodes.add(replica);
            group.awaitCondition("the replica to sync", () -> replica.command("INFO", "replication").contains("master_link_status:up"));
            String config = "sentinel monitor " + masterName + " " + master.host() + " " + master.port() + " 2\n"
                    + "sentinel down-after-milliseconds " + masterName + " " + DOWN_AFTER.toMillis() + "\n"
                    + "sentinel failover-timeout " + masterName + " " + FAILOVER_TIMEOUT.toMillis() + "\n"
                    + "sentinel parallel-syncs " + masterName + " 1";
            for (int i = 0; i < 3; i++) {
                group.sentinels.add(RedisServer.startSentinel(config));
            }
            group.awaitCondition("the Sentinels to know each other and the replica", () -> group.sentinels.stream().allMatch(s -> {
                String info = s.command("SENTINEL", "MASTER", masterName);
                return info.contains("num-other-sentinels\n2") && info.contains("num-slaves\n1");
            }));
            return group;
        } catch (RuntimeException e) {
            group.close();
            throw e;
        }
    }

    /** {@code redis-sentinel://127.0.0.1:S1,127.0.0.1:S2,127.0.0.1:S3#masterName}. */
    public String uri() {
        return "redis-sentinel://" + sentinels.stream().map(s -> s.host() + ":" + s.port()).collect(Collectors.joining(","))
                + "#" + masterName;
    }

    public String masterName() {
        return masterName;
    }

    /** The data node the Sentinels currently name as master. */
    public RedisServer master() {
        int port = masterPort();
        return dataNodes.stream().filter(n -> n.port() == port).findFirst()
                .orElseThrow(() -> new IllegalStateException("the Sentinels name port " + port + ", not one of ours"));
    }

    /** The master and its replica, in start order. */
    public List<RedisServer> dataNodes() {
        return List.copyOf(dataNodes);
    }

    public List<RedisServer> sentinels() {
        return List.copyOf(sentinels);
    }

    /**
     * SIGKILLs the current master and waits (at most 30 s) until the Sentinels promoted the replica and it
     * accepts writes. Returns the new master.
     */
    public RedisServer killMasterAndAwaitPromotion() {
        RedisServer old = master();
        old.kill();
        awaitCondition("the Sentinels to promote the replica", () -> {
            try {
                return masterPort() != old.port() && master().command("INFO", "replication").contains("role:master");
            } catch (RuntimeException notYet) {
                return false;
            }
        });
        return master();
    }

    private int masterPort() {
        RuntimeException last = null;
        for (RedisServer sentinel : sentinels) {
            if (!sentinel.isRunning()) {
                continue;
            }
            try {
                String[] hostPort = sentinel.command("SENTINEL", "GET-MASTER-ADDR-BY-NAME", masterName).split("\n");
                return Integer.parseInt(hostPort[1]);
            } catch (RuntimeException e) {
                last = e;
            }
        }
        throw new IllegalStateException("no Sentinel names a master for " + masterName, last);
    }

    private void awaitCondition(String what, java.util.function.BooleanSupplier condition) {
        long deadline = System.nanoTime() + FAILOVER_BOUND.toNanos();
        while (true) {
            try {
                if (condition.getAsBoolean()) {
                    return;
                }
            } catch (RuntimeException notYet) {
                // a node still starting: ask again
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("timed out after " + FAILOVER_BOUND.toSeconds() + " s waiting for " + what);
            }
            RedisServer.pause(50);
        }
    }

    /** Stops every process. Idempotent. */
    @Override
    public void close() {
        sentinels.forEach(RedisServer::close);
        dataNodes.forEach(RedisServer::close);
    }
}
