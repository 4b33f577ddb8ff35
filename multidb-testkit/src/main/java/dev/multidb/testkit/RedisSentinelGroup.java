package dev.multidb.testkit;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * A Redis Sentinel group on loopback ports: a master, a replica of it, and three Sentinels (quorum 2) that
 * watch it with short timers, so that a killed master is replaced by its replica within a few seconds.
 * All plain {@code redis-server} processes ({@link RedisServer}); closed together.
 *
 * <p>{@link #startBehindProxies} puts a {@link FaultProxy} in front of each data node and makes the Sentinels and the
 * replicas know the nodes by their proxies' addresses, so every connection to a data node (a client's, a Sentinel's,
 * replication) crosses a proxy and network faults reach the whole group; the data nodes then require an ACL user.
 */
public final class RedisSentinelGroup implements AutoCloseable {

    /** How long the Sentinels wait before they call an unanswering master down. */
    public static final Duration DOWN_AFTER = Duration.ofMillis(1000);
    private static final Duration FAILOVER_TIMEOUT = Duration.ofSeconds(3);
    private static final Duration FAILOVER_BOUND = Duration.ofSeconds(30);

    private final String masterName;
    private final List<RedisServer> dataNodes = new ArrayList<>();
    private final List<RedisServer> sentinels = new ArrayList<>();
    /** Data node -> the proxy in front of it; empty unless started behind proxies. */
    private final Map<RedisServer, FaultProxy> proxies = new LinkedHashMap<>();

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
            group.startSentinels(master.host() + " " + master.port(), DOWN_AFTER, "");
            return group;
        } catch (RuntimeException e) {
            group.close();
            throw e;
        }
    }

    /**
     * Starts a group whose data nodes are each behind a {@link FaultProxy}: the Sentinels monitor the master's proxy,
     * each node announces its proxy's port to its master ({@code replica-announce-port}), and the replica replicates
     * through the master's proxy. The data nodes require the ACL user {@code user} (the default user has the same
     * password, for the test kit's own commands), and the Sentinels and replicas authenticate as it.
     *
     * <p>Unlike {@link #start}, the replica is made one with {@code REPLICAOF} at run time, not on its command line,
     * so a data node restarted by {@link #restartDataNode} comes back as a master with its own data, and the
     * Sentinels turn it into a replica when another node is the master (as after a real restart).
     *
     * @param downAfter    the Sentinels' {@code down-after-milliseconds}
     * @param dataNodeArgs more {@code redis-server} arguments for both data nodes (e.g. persistence)
     */
    public static RedisSentinelGroup startBehindProxies(String masterName, Duration downAfter, String user, String password,
            String... dataNodeArgs) {
        RedisSentinelGroup group = new RedisSentinelGroup(masterName);
        try {
            List<String> args = new ArrayList<>(Arrays.asList(dataNodeArgs));
            args.addAll(List.of("--requirepass", password, "--user", user, "on", ">" + password, "~*", "&*", "+@all",
                    "--masteruser", user, "--masterauth", password));
            RedisServer master = group.startBehindProxy(args);
            RedisServer replica = group.startBehindProxy(args);
            replica.command("REPLICAOF", master.host(), Integer.toString(group.proxies.get(master).port()));
            group.awaitCondition("the replica to sync", () -> replica.command("INFO", "replication").contains("master_link_status:up"));
            group.startSentinels(master.host() + " " + group.proxies.get(master).port(), downAfter,
                    "sentinel auth-user " + masterName + " " + user + "\nsentinel auth-pass " + masterName + " " + password + "\n");
            return group;
        } catch (RuntimeException e) {
            group.close();
            throw e;
        }
    }

    private RedisServer startBehindProxy(List<String> args) {
        // The proxy's port must be known before the node starts (it announces it); its target is set once the node has a port.
        FaultProxy proxy = FaultProxy.start("127.0.0.1", 1);
        List<String> all = new ArrayList<>(args);
        all.addAll(List.of("--replica-announce-ip", "127.0.0.1", "--replica-announce-port", Integer.toString(proxy.port())));
        RedisServer node;
        try {
            node = RedisServer.start(all.toArray(new String[0]));
        } catch (RuntimeException e) {
            proxy.close();
            throw e;
        }
        proxy.retarget(node.host(), node.port());
        dataNodes.add(node);
        proxies.put(node, proxy);
        return node;
    }

    private void startSentinels(String masterAddress, Duration downAfter, String extraConfig) {
        String config = "sentinel monitor " + masterName + " " + masterAddress + " 2\n"
                + "sentinel down-after-milliseconds " + masterName + " " + downAfter.toMillis() + "\n"
                + "sentinel failover-timeout " + masterName + " " + FAILOVER_TIMEOUT.toMillis() + "\n"
                + "sentinel parallel-syncs " + masterName + " 1\n" + extraConfig;
        for (int i = 0; i < 3; i++) {
            sentinels.add(RedisServer.startSentinel(config));
        }
        awaitCondition("the Sentinels to know each other and the replica", () -> sentinels.stream().allMatch(s -> {
            String info = s.command("SENTINEL", "MASTER", masterName);
            return info.contains("num-other-sentinels\n2") && info.contains("num-slaves\n1");
        }));
    }

    /** {@code redis-sentinel://127.0.0.1:S1,127.0.0.1:S2,127.0.0.1:S3#masterName}. */
    public String uri() {
        return "redis-sentinel://" + sentinels.stream().map(s -> s.host() + ":" + s.port()).collect(Collectors.joining(","))
                + "#" + masterName;
    }

    public String masterName() {
        return masterName;
    }

    /** The data node the Sentinels currently name as master (by its own port, or by its proxy's). */
    public RedisServer master() {
        int port = masterPort();
        return dataNodes.stream().filter(n -> n.port() == port || (proxies.containsKey(n) && proxies.get(n).port() == port))
                .findFirst().orElseThrow(() -> new IllegalStateException("the Sentinels name port " + port + ", not one of ours"));
    }

    /** The master and its replica, in start order. */
    public List<RedisServer> dataNodes() {
        return List.copyOf(dataNodes);
    }

    /** The proxies in front of the data nodes, in the same order; empty unless started {@link #startBehindProxies behind proxies}. */
    public List<FaultProxy> proxies() {
        return List.copyOf(proxies.values());
    }

    /**
     * Restarts a data node (after {@link RedisServer#kill()}, or killing it now) with the arguments it was started
     * with: it comes back as a master with what it had persisted, until the Sentinels make it a replica.
     */
    public void restartDataNode(RedisServer node) {
        if (!dataNodes.contains(node)) {
            throw new IllegalArgumentException(node + " is not a data node of " + masterName);
        }
        node.restart();
    }

    /**
     * Waits (at most 30 s) until the master the Sentinels name is a master with a replica that is online (not
     * in a full resynchronisation): a promotion from then on loses no more than Redis's asynchronous replication does.
     */
    public void awaitReplicaOnline() {
        awaitCondition("an online replica of " + masterName, () -> {
            String info = master().command("INFO", "replication");
            return info.contains("role:master") && info.contains("state=online");
        });
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
        return awaitPromotionAwayFrom(old);
    }

    /**
     * Waits (at most 30 s) until every Sentinel names a master other than {@code old} and it accepts writes; returns it.
     * (Every Sentinel: one that still names {@code old} would send a client to it once it is restarted, before the
     * Sentinels make it a replica, and what the client wrote there would be lost.)
     */
    public RedisServer awaitPromotionAwayFrom(RedisServer old) {
        awaitCondition("the Sentinels to promote the replica", () -> {
            try {
                return master() != old && everySentinelNames(master()) && master().command("INFO", "replication").contains("role:master");
            } catch (RuntimeException notYet) {
                return false;
            }
        });
        return master();
    }

    /**
     * Waits (at most 30 s) until every Sentinel names {@code node} as the master and sees it up (not subjectively
     * down), e.g. after restarting the master of a group whose data nodes were all down.
     */
    public void awaitMasterSeenUp(RedisServer node) {
        awaitCondition("every Sentinel to see " + node + " up as the master", () -> everySentinelNames(node)
                && sentinels.stream().filter(RedisServer::isRunning).noneMatch(s -> {
                    String flags = s.command("SENTINEL", "MASTER", masterName);
                    int at = flags.indexOf("flags\n");
                    return at < 0 || flags.substring(at + 6, flags.indexOf('\n', at + 6)).contains("down");
                }));
    }

    private boolean everySentinelNames(RedisServer node) {
        int port = proxies.containsKey(node) ? proxies.get(node).port() : node.port();
        return sentinels.stream().filter(RedisServer::isRunning)
                .allMatch(s -> s.command("SENTINEL", "GET-MASTER-ADDR-BY-NAME", masterName).endsWith("\n" + port));
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

    /** Stops every process and proxy. Idempotent. */
    @Override
    public void close() {
        sentinels.forEach(RedisServer::close);
        proxies.values().forEach(FaultProxy::close);
        dataNodes.forEach(RedisServer::close);
    }
}
