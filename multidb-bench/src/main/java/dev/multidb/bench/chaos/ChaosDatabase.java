package dev.multidb.bench.chaos;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import dev.multidb.testkit.FaultProxy;
import dev.multidb.testkit.RedisCluster;
import dev.multidb.testkit.RedisServer;

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
        for (RedisServer server : servers()) {
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
     * Returns when a PING sent straight to the (first) server went unanswered for 50 ms, i.e. when that PING was
     * sent: from then on the server is certainly busy (gives up after 1 s).
     */
    long awaitBusy() {
        RedisServer server = servers().get(0);
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
            String list = server.command("CLIENT", "LIST");
            open += (int) list.lines().filter(l -> !l.isBlank() && !l.contains("name=" + ApplicationWatch.CLIENT_NAME + " "))
                    .count() - 1; // the soak's own watch is not the client's
        }
        return open;
    }

    /** Stops every process and proxy of this database. Idempotent. */
    @Override
    public abstract void close();

    @Override
    public String toString() {
        return name;
    }

    private static final class Standalone extends ChaosDatabase {
        private final RedisServer server = RedisServer.start(DURABLE);
        private final FaultProxy proxy = FaultProxy.start(server.host(), server.port());

        Standalone(String name) {
            super(name);
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
