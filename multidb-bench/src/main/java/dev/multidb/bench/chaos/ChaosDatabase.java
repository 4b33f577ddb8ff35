package dev.multidb.bench.chaos;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SslOptions;

import dev.multidb.DatabaseConfig;
import dev.multidb.testkit.FaultProxy;
import dev.multidb.testkit.RedisCluster;
import dev.multidb.testkit.RedisSentinelGroup;
import dev.multidb.testkit.RedisServer;
import dev.multidb.testkit.TestCertificates;

/**
 * One member database of the soak: real redis-server processes, every client connection through a
 * {@link FaultProxy}, and an append-only file synced on every write ({@code appendfsync always}) so a
 * write the server acknowledged survives a SIGKILL. That is what lets the soak demand that every
 * acknowledged write is still there at the end.
 */
abstract class ChaosDatabase implements AutoCloseable {

    /**
     * An acknowledged write survives SIGKILL (AOF, fsync always); every string write is announced on
     * the server's keyspace channels, so {@link ApplicationWatch} sees when each server applied it.
     */
    static final String[] DURABLE = { "--appendonly", "yes", "--appendfsync", "always", "--notify-keyspace-events", "K$" };

    private final String name;
    private boolean killed;
    private boolean frozen;

    ChaosDatabase(String name) {
        this.name = name;
    }

    static ChaosDatabase standalone(String name) {
        return new Standalone(name);
    }

    static ChaosDatabase cluster(String name) {
        return new Cluster(name);
    }

    /** A standalone server that speaks TLS only, requires a client certificate and the ACL user {@link #USER}. */
    static ChaosDatabase secured(String name, TestCertificates certificates) {
        return new Secured(name, certificates);
    }

    /** A Sentinel group (master, replica, three Sentinels) whose data nodes require the ACL user {@link #USER}. */
    static ChaosDatabase sentinelGroup(String name) {
        return new SentinelGroup(name);
    }

    /** The ACL user the client (and the soak's own direct connections) log in as on secured and Sentinel databases. */
    static final String USER = "soak";
    static final String PASSWORD = "soak-acl-secret";

    /**
     * A client for the soak's own connections straight to the servers ({@link #direct}): trusts the test CA and
     * presents its client certificate when {@code certificates} is not null.
     */
    static RedisClient directClient(TestCertificates certificates) {
        RedisClient client = RedisClient.create();
        if (certificates != null) {
            client.setOptions(ClientOptions.builder().sslOptions(ssl(certificates)).build());
        }
        return client;
    }

    static SslOptions ssl(TestCertificates certificates) {
        return SslOptions.builder().jdkSslProvider().trustManager(certificates.caFile().toFile())
                .keyManager(certificates.client().certificateFile().toFile(), certificates.client().keyFile().toFile(), null).build();
    }

    /** The client's settings for this database: its URL (with credentials) and its client options, if any. */
    DatabaseConfig.Builder config() {
        return DatabaseConfig.builder().fromUrl(url());
    }

    /** How the soak's own connections reach {@code server} straight (not through a proxy or the client under test). */
    RedisURI direct(RedisServer server) {
        return RedisURI.create(server.uri());
    }

    /** The servers a slow command runs on: where the writes go (every master). */
    List<RedisServer> primaries() {
        return servers();
    }

    /**
     * Local ports of sockets in this JVM that carry the harness's own traffic to this database, not the client's: a
     * Sentinel group's proxies also carry the Sentinels' and replication connections.
     */
    java.util.Set<Integer> harnessProxyPorts() {
        return java.util.Set.of();
    }

    /** Remote ports of such sockets: the proxies' own connections to a Sentinel group's data nodes. */
    java.util.Set<Integer> harnessServerPorts() {
        return java.util.Set.of();
    }

    /** Whether {@link #promote(Runnable)} can fail the master over inside this database. */
    boolean promotes() {
        return false;
    }

    /**
     * SIGKILLs this database's master ({@code killed} runs right after) and returns once a replica has taken over
     * inside the database and the old master is running again (to be made a replica); returns what happened, for the log.
     */
    String promote(Runnable killed) {
        throw new UnsupportedOperationException(name + " has no replica to promote");
    }

    String name() {
        return name;
    }

    /** The URL the client is given: the proxy (or, for a cluster, the first node's proxy). */
    abstract String url();

    /** Every redis-server process of this database. */
    abstract List<RedisServer> servers();

    /** The server that holds {@code key}. */
    abstract RedisServer serverFor(String key);

    abstract List<FaultProxy> proxies();

    synchronized void kill() {
        servers().forEach(RedisServer::kill);
        killed = true;
        frozen = false;
    }

    synchronized void restart() {
        restartProcesses();
        killed = false;
    }

    abstract void restartProcesses();

    synchronized void freeze() {
        if (!killed) {
            servers().forEach(RedisServer::freeze);
            frozen = true;
        }
    }

    synchronized void thaw() {
        if (frozen) {
            servers().forEach(RedisServer::thaw);
            frozen = false;
        }
    }

    void blackhole(boolean on) {
        proxies().forEach(p -> p.blackhole(on));
    }

    void latency(Duration delay) {
        proxies().forEach(p -> p.setLatency(delay));
    }

    /** Spins on TIME for {@code ARGV[1]} microseconds: a long command, without writing anything. */
    static final String BUSY_SCRIPT = "local t=redis.call('TIME') while true do local n=redis.call('TIME') "
            + "if (n[1]-t[1])*1000000+(n[2]-t[2]) > tonumber(ARGV[1]) then return 1 end end";

    /**
     * A slow command: every server of this database runs a Lua busy loop for {@code length}, sent on a plain
     * connection of its own straight to the server (not through the proxy). Returns the threads that wait for the
     * replies; the server is busy from when it has read the script until they end.
     */
    List<Thread> busy(Duration length) {
        List<Thread> threads = new ArrayList<>();
        for (RedisServer server : primaries()) {
            Thread t = new Thread(() -> {
                try {
                    server.command(length.plusSeconds(10), "EVAL", BUSY_SCRIPT, "0", String.valueOf(length.toNanos() / 1_000));
                } catch (RuntimeException e) {
                    System.err.printf("[%s] slow command on %s failed: %s%n", name, server, e);
                }
            }, "chaos-slow-command");
            t.setDaemon(true);
            t.start();
            threads.add(t);
        }
        return threads;
    }

    /**
     * Returns when a PING sent straight to the (first) primary went unanswered for 50 ms, i.e. when that PING was
     * sent: from then on the server is certainly busy (gives up after 1 s).
     */
    long awaitBusy() {
        RedisServer server = primaries().get(0);
        long deadline = System.nanoTime() + 1_000_000_000L;
        while (true) {
            long sent = System.nanoTime();
            try {
                server.command(Duration.ofMillis(50), "PING");
            } catch (RuntimeException busy) {
                return sent;
            }
            if (sent > deadline) {
                return sent;
            }
        }
    }

    void resetConnections() {
        proxies().forEach(FaultProxy::resetConnections);
    }

    /** Back to normal: running, thawed, no network fault. */
    synchronized void heal() {
        thaw();
        if (killed) {
            restart();
        }
        proxies().forEach(FaultProxy::heal);
    }

    /**
     * Client connections still open to this database: connections the proxies hold plus, on every
     * server, clients other than the one asking.
     */
    int openClientConnections() {
        int open = 0;
        for (FaultProxy proxy : proxies()) {
            open += proxy.activeConnections();
        }
        for (RedisServer server : servers()) {
            open += clientsOtherThanOurs(server);
        }
        return open;
    }

    /** Connections on {@code server} other than the one asking, the soak's watch, a Sentinel's or a replication link. */
    static int clientsOtherThanOurs(RedisServer server) {
        String list = server.command("CLIENT", "LIST");
        return (int) list.lines().filter(l -> !l.isBlank() && !l.contains("name=" + ApplicationWatch.CLIENT_NAME + " ")
                && !l.contains("name=sentinel-") && !l.contains(" flags=S ") && !l.contains(" flags=M ")).count() - 1;
    }

    /** Stops every process and proxy of this database. Idempotent. */
    @Override
    public abstract void close();

    @Override
    public String toString() {
        return name;
    }

    /** One server behind one proxy (the secured variant's members are these too, with TLS and an ACL user). */
    private static class Standalone extends ChaosDatabase {
        final RedisServer server;
        final FaultProxy proxy;

        Standalone(String name) {
            this(name, RedisServer.start(DURABLE));
        }

        Standalone(String name, RedisServer server) {
            super(name);
            this.server = server;
            this.proxy = FaultProxy.start(server.host(), server.port());
        }

        @Override
        String url() {
            return proxy.uri();
        }

        @Override
        List<RedisServer> servers() {
            return List.of(server);
        }

        @Override
        RedisServer serverFor(String key) {
            return server;
        }

        @Override
        List<FaultProxy> proxies() {
            return List.of(proxy);
        }

        @Override
        void restartProcesses() {
            server.restart();
        }

        @Override
        public void close() {
            proxy.close();
            server.close();
        }
    }

    /** TLS only, client certificates required, ACL user; every client connection through a proxy. */
    private static final class Secured extends Standalone {
        private static final String ADMIN_PASSWORD = "soak-admin-secret";
        private final TestCertificates certificates;

        Secured(String name, TestCertificates certificates) {
            super(name, RedisServer.startTls(RedisServer.Tls.of(certificates, true), securedArgs()));
            this.certificates = certificates;
        }

        private static String[] securedArgs() {
            List<String> args = new ArrayList<>(List.of(DURABLE));
            args.addAll(List.of("--requirepass", ADMIN_PASSWORD, "--user", USER, "on", ">" + PASSWORD, "~*", "&*", "+@all"));
            return args.toArray(new String[0]);
        }

        @Override
        String url() {
            return "rediss://" + USER + ":" + PASSWORD + "@" + server.host() + ":" + proxy.port();
        }

        @Override
        DatabaseConfig.Builder config() {
            return super.config().clientOptions(ClientOptions.builder().sslOptions(ssl(certificates)).build());
        }

        @Override
        RedisURI direct(RedisServer s) {
            return RedisURI.create("rediss://" + USER + ":" + PASSWORD + "@" + s.host() + ":" + s.port());
        }
    }

    /**
     * A Sentinel group whose data nodes (and so every connection to them: the client's, the Sentinels', replication)
     * are behind proxies. Faults other than {@link #promote(Runnable)} hit the whole group: kill and freeze every data node,
     * network faults on every proxy; the Sentinels keep running. Down-after is 3 s, above the longest slow command,
     * so that a slow command is not a promotion.
     */
    private static final class SentinelGroup extends ChaosDatabase {
        private static final Duration DOWN_AFTER = Duration.ofSeconds(3);
        private final RedisSentinelGroup group;
        private volatile RedisServer master;
        private volatile long masterAskedAt;

        SentinelGroup(String name) {
            super(name);
            this.group = RedisSentinelGroup.startBehindProxies(name, DOWN_AFTER, USER, PASSWORD, DURABLE);
        }

        @Override
        String url() {
            return group.uri().replace("redis-sentinel://", "redis-sentinel://" + USER + ":" + PASSWORD + "@");
        }

        @Override
        RedisURI direct(RedisServer s) {
            return RedisURI.create("redis://" + USER + ":" + PASSWORD + "@" + s.host() + ":" + s.port());
        }

        @Override
        List<RedisServer> servers() {
            return group.dataNodes();
        }

        @Override
        List<RedisServer> primaries() {
            return List.of(group.master());
        }

        /** The master the Sentinels name, asked at most once a second (the end checks read every key). */
        @Override
        RedisServer serverFor(String key) {
            long now = System.nanoTime();
            if (master == null || now - masterAskedAt > 1_000_000_000L) {
                master = group.master();
                masterAskedAt = now;
            }
            return master;
        }

        @Override
        List<FaultProxy> proxies() {
            return group.proxies();
        }

        /** The master when the group was last killed: restarted first, see {@link #restartProcesses()}. */
        private RedisServer masterAtKill;

        @Override
        synchronized void kill() {
            masterAtKill = group.master();
            super.kill();
        }

        /**
         * The master first, and the others once every Sentinel sees it up again: a replica back first would be
         * promoted while the master is still down, and whatever the client wrote on the master meanwhile would be
         * discarded when the Sentinels make it a replica (Redis's own hazard of a group restarted in that order).
         */
        @Override
        void restartProcesses() {
            RedisServer first = masterAtKill == null ? group.dataNodes().get(0) : masterAtKill;
            group.restartDataNode(first);
            group.awaitMasterSeenUp(first);
            group.dataNodes().stream().filter(n -> n != first).forEach(group::restartDataNode);
        }

        @Override
        boolean promotes() {
            return true;
        }

        @Override
        java.util.Set<Integer> harnessProxyPorts() {
            return group.proxies().stream().map(FaultProxy::port).collect(java.util.stream.Collectors.toSet());
        }

        @Override
        java.util.Set<Integer> harnessServerPorts() {
            return group.dataNodes().stream().map(RedisServer::port).collect(java.util.stream.Collectors.toSet());
        }

        @Override
        synchronized String promote(Runnable killed) {
            group.awaitReplicaOnline(); // a replica still loading a full copy is no replica to promote
            RedisServer old = group.master();
            old.kill();
            killed.run();
            RedisServer now = group.awaitPromotionAwayFrom(old);
            group.restartDataNode(old);
            return "master " + old.port() + " killed, " + now.port() + " promoted, " + old.port() + " restarted";
        }

        /** Client connections on the data nodes and on the Sentinels (the proxies also carry the Sentinels' and replication). */
        @Override
        int openClientConnections() {
            int open = 0;
            for (RedisServer server : group.dataNodes()) {
                open += clientsOtherThanOurs(server);
            }
            for (RedisServer sentinel : group.sentinels()) {
                open += clientsOtherThanOurs(sentinel);
            }
            return open;
        }

        @Override
        public void close() {
            group.close();
        }
    }

    /** Three masters, no replicas (failover inside a cluster is Redis's job, not ours). */
    private static final class Cluster extends ChaosDatabase {
        private final RedisCluster cluster = RedisCluster.startBehindProxies(3, RedisCluster.DEFAULT_NODE_TIMEOUT, DURABLE);

        Cluster(String name) {
            super(name);
        }

        @Override
        String url() {
            return cluster.uri();
        }

        @Override
        List<RedisServer> servers() {
            return cluster.nodes();
        }

        /** No replicas, so slot owners never change: asked once per slot. */
        private final java.util.Map<Integer, RedisServer> owners = new java.util.concurrent.ConcurrentHashMap<>();

        @Override
        RedisServer serverFor(String key) {
            return owners.computeIfAbsent(RedisCluster.slotForKey(key), cluster::masterForSlot);
        }

        @Override
        List<FaultProxy> proxies() {
            return new ArrayList<>(cluster.proxies());
        }

        @Override
        void restartProcesses() {
            cluster.restart();
        }

        @Override
        public void close() {
            cluster.close();
        }
    }
}
