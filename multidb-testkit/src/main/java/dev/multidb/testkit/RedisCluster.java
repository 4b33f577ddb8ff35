package dev.multidb.testkit;

import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * A real Redis Cluster made of {@link RedisServer} processes on loopback ports, built without redis-cli
 * using only commands Redis 6.2 has (explicit {@code CLUSTER ADDSLOTS} lists, {@code CLUSTER MEET},
 * {@code CLUSTER REPLICATE}).
 *
 * <p>Each node runs with {@code --cluster-enabled yes}, a short {@code --cluster-node-timeout} (1 s by default,
 * so a replica is promoted about 1–3 s after its master dies) and keeps its cluster config file
 * ({@value #CONFIG_FILE}) in its own working directory, which {@link RedisServer#restart()} preserves: after
 * {@link #kill()} and {@link #restart()} the nodes come back with the same ids, roles and slots (but no data,
 * as there is no persistence).
 *
 * <p>{@link #startBehindProxies} puts a {@link FaultProxy} in front of every node and makes each node announce
 * its proxy's port, so clients that follow the cluster's topology reach every node through its proxy (the
 * cluster bus between the nodes stays direct).
 *
 * <p>Topology queries ({@link #masters()}, {@link #masterForSlot(int)}, {@link #replicasOf(RedisServer)}) are
 * answered live from {@code CLUSTER NODES} of the first node that answers, so they follow failovers.
 */
public final class RedisCluster implements AutoCloseable {

    /** Number of hash slots in a Redis Cluster. */
    public static final int SLOTS = 16384;

    /** Default {@code cluster-node-timeout}. */
    public static final Duration DEFAULT_NODE_TIMEOUT = Duration.ofSeconds(1);

    /** Minimum time {@link #start} and {@link #restart()} wait for {@code cluster_state:ok}. */
    public static final Duration READY_TIMEOUT = Duration.ofSeconds(30);

    /**
     * Name of each node's cluster config file, relative to the node's own working directory. It is not
     * {@code nodes-<port>.conf} because the port is only chosen inside {@link RedisServer#start(String...)},
     * after the arguments are fixed; the directory is per node, so the plain name cannot clash.
     */
    static final String CONFIG_FILE = "nodes.conf";

    private static final int SLOTS_PER_ADDSLOTS = 500;
    private static final int NODE_START_ATTEMPTS = 20;
    private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(1);
    private static final long POLL_MILLIS = 50;

    private final List<RedisServer> nodes;
    private final int masterCount;
    private final int replicasPerMaster;
    private final Duration nodeTimeout;
    private final Map<RedisServer, String> ids = new HashMap<>();
    /** Node to the proxy in front of it; empty unless started behind proxies. */
    private final Map<RedisServer, FaultProxy> proxies = new HashMap<>();
    private boolean closed;

    private RedisCluster(List<RedisServer> nodes, int masterCount, int replicasPerMaster, Duration nodeTimeout) {
        this.nodes = nodes;
        this.masterCount = masterCount;
        this.replicasPerMaster = replicasPerMaster;
        this.nodeTimeout = nodeTimeout;
    }

    /** Starts a cluster of {@code masters} masters without replicas; see {@link #start(int, int, Duration)}. */
    public static RedisCluster start(int masters) {
        return start(masters, 0, DEFAULT_NODE_TIMEOUT);
    }

    /** Starts a cluster with replicas and the default 1 s node timeout; see {@link #start(int, int, Duration)}. */
    public static RedisCluster start(int masters, int replicasPerMaster) {
        return start(masters, replicasPerMaster, DEFAULT_NODE_TIMEOUT);
    }

    /**
     * Starts {@code masters * (1 + replicasPerMaster)} redis-server processes, spreads the 16384 slots evenly
     * over the masters (in node order), joins every node to the first, attaches the replicas (master {@code i}
     * gets nodes {@code masters + i * replicasPerMaster ...}) and waits until every node reports
     * {@code cluster_state:ok}, knows all nodes, agrees on slot ownership and every replica's link is up.
     *
     * @param masters           number of masters, at least 1
     * @param replicasPerMaster replicas of each master, at least 0
     * @param nodeTimeout       {@code cluster-node-timeout}; failure detection and promotion scale with it
     * @throws IllegalStateException if the cluster is not ready in time (the message lists each node's
     *                               {@code CLUSTER INFO} state); all started processes are then closed
     */
    public static RedisCluster start(int masters, int replicasPerMaster, Duration nodeTimeout) {
        if (masters < 1) {
            throw new IllegalArgumentException("masters must be >= 1, got " + masters);
        }
        if (replicasPerMaster < 0) {
            throw new IllegalArgumentException("replicasPerMaster must be >= 0, got " + replicasPerMaster);
        }
        Objects.requireNonNull(nodeTimeout, "nodeTimeout");
        if (nodeTimeout.toMillis() < 1) {
            throw new IllegalArgumentException("nodeTimeout must be at least 1 ms, got " + nodeTimeout);
        }
        int total = masters * (1 + replicasPerMaster);
        List<RedisServer> started = new ArrayList<>(total);
        RedisCluster cluster = new RedisCluster(Collections.unmodifiableList(started), masters, replicasPerMaster,
                nodeTimeout);
        try {
            for (int i = 0; i < total; i++) {
                started.add(startNode(nodeTimeout));
            }
            cluster.form();
            return cluster;
        } catch (RuntimeException e) {
            cluster.close();
            throw e;
        }
    }

    /**
     * Starts a cluster of {@code masters} masters without replicas, each node behind its own {@link FaultProxy}
     * and announcing the proxy's port ({@code cluster-announce-port}), so {@link #uri()}, {@link #seedUris()}
     * and the topology a client discovers all lead through the proxies.
     *
     * @param nodeArgs extra redis-server arguments for every node, e.g. {@code "--appendonly", "yes"}
     */
    public static RedisCluster startBehindProxies(int masters, Duration nodeTimeout, String... nodeArgs) {
        if (masters < 1) {
            throw new IllegalArgumentException("masters must be >= 1, got " + masters);
        }
        List<RedisServer> started = new ArrayList<>(masters);
        RedisCluster cluster = new RedisCluster(Collections.unmodifiableList(started), masters, 0, nodeTimeout);
        try {
            for (int i = 0; i < masters; i++) {
                // The proxy's port must be known before the node starts; its target is set once the node has a port.
                FaultProxy proxy = FaultProxy.start("127.0.0.1", 1);
                List<String> args = new ArrayList<>(Arrays.asList(nodeArgs));
                args.addAll(List.of("--cluster-announce-ip", "127.0.0.1", "--cluster-announce-port", Integer.toString(proxy.port())));
                RedisServer node;
                try {
                    node = startNode(nodeTimeout, args.toArray(new String[0]));
                } catch (RuntimeException e) {
                    proxy.close();
                    throw e;
                }
                proxy.retarget(node.host(), node.port());
                started.add(node);
                cluster.proxies.put(node, proxy);
            }
            cluster.form();
            return cluster;
        } catch (RuntimeException e) {
            cluster.close();
            throw e;
        }
    }

    /** The proxy in front of {@code node}; see {@link #startBehindProxies}. */
    public FaultProxy proxyFor(RedisServer node) {
        FaultProxy proxy = proxies.get(node);
        if (proxy == null) {
            throw new IllegalArgumentException(node + " has no proxy (the cluster was not started behind proxies)");
        }
        return proxy;
    }

    /** Every node's proxy, in {@link #nodes()} order; empty unless started behind proxies. */
    public List<FaultProxy> proxies() {
        return nodes.stream().filter(proxies::containsKey).map(proxies::get).collect(Collectors.toUnmodifiableList());
    }

    /** Every node, masters first (in slot order as started) then replicas; fixed for the cluster's lifetime. */
    public List<RedisServer> nodes() {
        return nodes;
    }

    /**
     * The current masters that own slots, ordered by their lowest slot, as seen by the first node that
     * answers. Right after {@link #start} these are the first {@code masters} nodes; after a failover the
     * promoted replica replaces its old master (which stays listed until the promotion happens).
     *
     * @throws IllegalStateException if no node answers
     */
    public List<RedisServer> masters() {
        TreeMap<Integer, RedisServer> byFirstSlot = new TreeMap<>();
        for (NodeLine line : view()) {
            if (line.isMaster() && !line.slots.isEmpty()) {
                byFirstSlot.put(line.slots.get(0)[0], serverFor(line));
            }
        }
        return List.copyOf(byFirstSlot.values());
    }

    /**
     * The nodes currently replicating {@code master}, as seen by the first node that answers (a replica
     * that was killed but not yet forgotten is still listed).
     *
     * @throws IllegalStateException if no node answers
     */
    public List<RedisServer> replicasOf(RedisServer master) {
        String masterId = nodeId(master);
        List<RedisServer> replicas = new ArrayList<>();
        for (NodeLine line : view()) {
            if (masterId.equals(line.masterId)) {
                replicas.add(serverFor(line));
            }
        }
        return replicas;
    }

    /**
     * The master owning {@code slot} according to the first node that answers {@code CLUSTER NODES}.
     *
     * @throws IllegalArgumentException if the slot is not in 0..16383
     * @throws IllegalStateException    if no node answers or the slot is unassigned
     */
    public RedisServer masterForSlot(int slot) {
        if (slot < 0 || slot >= SLOTS) {
            throw new IllegalArgumentException("slot must be in 0.." + (SLOTS - 1) + ", got " + slot);
        }
        for (NodeLine line : view()) {
            if (line.isMaster() && line.owns(slot)) {
                return serverFor(line);
            }
        }
        throw new IllegalStateException("slot " + slot + " is not assigned to any master");
    }

    /** {@code masterForSlot(slotForKey(key))}. */
    public RedisServer masterForKey(String key) {
        return masterForSlot(slotForKey(key));
    }

    /**
     * The hash slot of {@code key} per the Redis Cluster spec: CRC16/XMODEM of the key's UTF-8 bytes (or of
     * its hash tag, the part between the first {@code '{'} and the next {@code '}'} if non-empty) mod 16384.
     */
    public static int slotForKey(String key) {
        byte[] bytes = key.getBytes(StandardCharsets.UTF_8);
        int start = 0;
        int end = bytes.length;
        for (int open = 0; open < bytes.length; open++) {
            if (bytes[open] == '{') {
                for (int close = open + 1; close < bytes.length; close++) {
                    if (bytes[close] == '}') {
                        if (close > open + 1) {
                            start = open + 1;
                            end = close;
                        }
                        break;
                    }
                }
                break;
            }
        }
        return crc16(bytes, start, end) & (SLOTS - 1);
    }

    /** CRC16/XMODEM (poly 0x1021, init 0, no reflection) as used by Redis Cluster. */
    static int crc16(byte[] bytes, int from, int to) {
        int crc = 0;
        for (int i = from; i < to; i++) {
            crc ^= (bytes[i] & 0xff) << 8;
            for (int bit = 0; bit < 8; bit++) {
                crc = (crc & 0x8000) != 0 ? (crc << 1) ^ 0x1021 : crc << 1;
            }
            crc &= 0xffff;
        }
        return crc;
    }

    /** The cluster node id of {@code node} (kept across {@link #restart()}). */
    public String nodeId(RedisServer node) {
        String id = ids.get(node);
        if (id == null) {
            throw new IllegalArgumentException(node + " is not a node of this cluster");
        }
        return id;
    }

    /** {@code redis://127.0.0.1:<port of the first node (or of its proxy)>}, a seed for cluster clients. */
    public String uri() {
        return seedUris().get(0);
    }

    /** {@code redis://127.0.0.1:<port>} of every node (or of its proxy), in {@link #nodes()} order. */
    public List<String> seedUris() {
        return nodes.stream().map(n -> proxies.containsKey(n) ? proxies.get(n).uri() : n.uri())
                .collect(Collectors.toUnmodifiableList());
    }

    /** The {@code cluster-node-timeout} the nodes run with. */
    public Duration nodeTimeout() {
        return nodeTimeout;
    }

    /**
     * Whether every running node that answers within 1 s reports {@code cluster_state:ok}, knows all
     * {@link #nodes()}, agrees with the others on which node owns which slots, and (if it is a replica) has
     * its master link up. Killed or frozen nodes are ignored; at least one node must answer.
     */
    public boolean isOk() {
        return health(false) == null;
    }

    /**
     * Waits until every node (all of them must be running and answering) is healthy in the sense of
     * {@link #isOk()}.
     *
     * @throws IllegalStateException on timeout, listing each node's {@code CLUSTER INFO} state
     */
    public void awaitOk(Duration timeout) {
        requireOpen();
        long deadline = System.nanoTime() + timeout.toNanos();
        String problem;
        while ((problem = health(true)) != null) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("Redis Cluster not ok within " + timeout.toMillis() + " ms: "
                        + problem + "\n" + describe());
            }
            RedisServer.pause(POLL_MILLIS);
        }
    }

    /** SIGKILLs every node: the whole cluster is down. Their cluster config files are kept. */
    public synchronized void kill() {
        requireOpen();
        for (RedisServer node : nodes) {
            node.kill();
        }
    }

    /**
     * Restarts every node on its port (killing those still running) with its kept cluster config, then waits
     * until the cluster is ok again (see {@link #awaitOk(Duration)}). Data is lost; ids, roles and slots stay.
     */
    public synchronized void restart() {
        requireOpen();
        for (RedisServer node : nodes) {
            node.restart();
        }
        awaitOk(readyTimeout());
    }

    /** Closes every node (killing its process and deleting its directory). Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        RuntimeException failure = null;
        proxies.values().forEach(FaultProxy::close);
        for (RedisServer node : nodes) {
            try {
                node.close();
            } catch (RuntimeException e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    @Override
    public String toString() {
        return "RedisCluster[" + masterCount + " masters x " + replicasPerMaster + " replicas, "
                + nodes.stream().map(n -> Integer.toString(n.port())).collect(Collectors.joining(",")) + "]";
    }

    // ---------------------------------------------------------------------------------------------------------

    private static RedisServer startNode(Duration nodeTimeout, String... extraArgs) {
        IllegalStateException last = null;
        List<String> args = new ArrayList<>(List.of(
                "--cluster-enabled", "yes",
                "--cluster-config-file", CONFIG_FILE,
                "--cluster-node-timeout", Long.toString(nodeTimeout.toMillis()),
                // Replicas sync at once (Redis 7 defaults to diskless sync with a 5 s delay).
                "--repl-diskless-sync-delay", "0"));
        args.addAll(Arrays.asList(extraArgs));
        for (int attempt = 0; attempt < NODE_START_ATTEMPTS; attempt++) {
            try {
                return RedisServer.start(args.toArray(new String[0]));
            } catch (IllegalStateException e) {
                // The cluster bus listens on port + 10000: that fails for ports above 55535 or if it is taken.
                String msg = String.valueOf(e.getMessage());
                if (!(msg.contains("port number too high") || msg.contains("Address already in use")
                        || msg.contains("Could not bind") || msg.contains("Failed listening"))) {
                    throw e;
                }
                last = e;
            }
        }
        throw last;
    }

    /** Assigns slots, joins the nodes, attaches replicas and waits for the cluster to be ok. */
    private void form() {
        long deadline = System.nanoTime() + readyTimeout().toNanos();
        for (RedisServer node : nodes) {
            ids.put(node, node.command("CLUSTER", "MYID"));
        }
        // Distinct config epochs up front spare the nodes the epoch-collision dance (only allowed before MEET).
        for (int i = 0; i < nodes.size(); i++) {
            nodes.get(i).command("CLUSTER", "SET-CONFIG-EPOCH", Integer.toString(i + 1));
        }
        for (int m = 0; m < masterCount; m++) {
            int from = (int) ((long) m * SLOTS / masterCount);
            int to = (int) ((long) (m + 1) * SLOTS / masterCount);
            for (int batch = from; batch < to; batch += SLOTS_PER_ADDSLOTS) {
                int batchEnd = Math.min(to, batch + SLOTS_PER_ADDSLOTS);
                List<String> args = new ArrayList<>(List.of("CLUSTER", "ADDSLOTS"));
                for (int slot = batch; slot < batchEnd; slot++) {
                    args.add(Integer.toString(slot));
                }
                nodes.get(m).command(args.toArray(new String[0]));
            }
        }
        RedisServer seed = nodes.get(0);
        for (RedisServer node : nodes.subList(1, nodes.size())) {
            node.command("CLUSTER", "MEET", seed.host(), Integer.toString(seed.port()));
        }
        for (int m = 0; m < masterCount; m++) {
            String masterId = ids.get(nodes.get(m));
            for (int r = 0; r < replicasPerMaster; r++) {
                RedisServer replica = nodes.get(masterCount + m * replicasPerMaster + r);
                replicate(replica, masterId, deadline);
            }
        }
        long left = deadline - System.nanoTime();
        awaitOk(Duration.ofNanos(Math.max(left, 0)));
    }

    /** CLUSTER REPLICATE once the replica has learned about its master through gossip. */
    private void replicate(RedisServer replica, String masterId, long deadline) {
        while (true) {
            boolean knowsMaster = parseNodes(replica.command("CLUSTER", "NODES")).stream()
                    .anyMatch(line -> line.id.equals(masterId) && line.isMaster());
            if (knowsMaster) {
                try {
                    replica.command("CLUSTER", "REPLICATE", masterId);
                    return;
                } catch (IllegalStateException notYet) {
                    if (System.nanoTime() > deadline) {
                        throw new IllegalStateException("CLUSTER REPLICATE " + masterId + " on " + replica
                                + " failed: " + notYet.getMessage() + "\n" + describe(), notYet);
                    }
                }
            } else if (System.nanoTime() > deadline) {
                throw new IllegalStateException(replica + " did not learn about master " + masterId + " within "
                        + readyTimeout().toMillis() + " ms\n" + describe());
            }
            RedisServer.pause(POLL_MILLIS);
        }
    }

    /** {@code null} if healthy, else the first problem found. */
    private String health(boolean requireAll) {
        if (closed) {
            return "cluster is closed";
        }
        int answering = 0;
        Map<String, String> slotOwners = null;
        RedisServer slotOwnersFrom = null;
        for (RedisServer node : nodes) {
            if (!node.isRunning()) {
                if (requireAll) {
                    return node + " is not running";
                }
                continue;
            }
            String info;
            List<NodeLine> view;
            String replication;
            try {
                info = node.command(PROBE_TIMEOUT, "CLUSTER", "INFO");
                view = parseNodes(node.command(PROBE_TIMEOUT, "CLUSTER", "NODES"));
                replication = node.command(PROBE_TIMEOUT, "INFO", "replication");
            } catch (UncheckedIOException | IllegalStateException e) {
                if (requireAll) {
                    return node + " does not answer: " + e.getMessage();
                }
                continue;
            }
            answering++;
            if (!info.contains("cluster_state:ok")) {
                return node + " reports " + field(info, "cluster_state");
            }
            if (view.size() != nodes.size()) {
                return node + " lists " + view.size() + " nodes in CLUSTER NODES, expected " + nodes.size();
            }
            if (replication.contains("role:slave") && !replication.contains("master_link_status:up")) {
                return node + " is a replica whose master link is not up";
            }
            Map<String, String> owners = slotOwners(view);
            if (slotOwners == null) {
                slotOwners = owners;
                slotOwnersFrom = node;
            } else if (!slotOwners.equals(owners)) {
                return node + " and " + slotOwnersFrom + " disagree on slot owners: " + owners + " vs " + slotOwners;
            }
        }
        return answering == 0 ? "no node answers" : null;
    }

    /** Slot range ("from-to") to owning node id, masters only. */
    private static Map<String, String> slotOwners(List<NodeLine> view) {
        Map<String, String> owners = new TreeMap<>();
        for (NodeLine line : view) {
            if (line.isMaster()) {
                for (int[] range : line.slots) {
                    owners.put(range[0] + "-" + range[1], line.id);
                }
            }
        }
        return owners;
    }

    /** Per node: its CLUSTER INFO state, or why it has none. */
    private String describe() {
        StringBuilder out = new StringBuilder();
        for (RedisServer node : nodes) {
            out.append("  ").append(node.uri()).append(" (").append(ids.getOrDefault(node, "?")).append("): ");
            if (!node.isRunning()) {
                out.append("not running\n");
                continue;
            }
            try {
                String info = node.command(PROBE_TIMEOUT, "CLUSTER", "INFO");
                int lines = parseNodes(node.command(PROBE_TIMEOUT, "CLUSTER", "NODES")).size();
                String role = field(node.command(PROBE_TIMEOUT, "INFO", "replication"), "role");
                out.append(role);
                for (String key : List.of("cluster_state", "cluster_slots_assigned", "cluster_slots_ok",
                        "cluster_slots_pfail", "cluster_slots_fail", "cluster_known_nodes", "cluster_size",
                        "cluster_current_epoch")) {
                    out.append(' ').append(field(info, key));
                }
                out.append(" nodes_lines:").append(lines).append('\n');
            } catch (UncheckedIOException | IllegalStateException e) {
                out.append("does not answer: ").append(e.getMessage()).append('\n');
            }
        }
        return out.toString();
    }

    private static String field(String info, String key) {
        for (String line : info.split("\r?\n")) {
            if (line.startsWith(key + ":")) {
                return line.trim();
            }
        }
        return key + ":?";
    }

    /** CLUSTER NODES of the first running node that answers. */
    private List<NodeLine> view() {
        requireOpen();
        List<String> errors = new ArrayList<>();
        for (RedisServer node : nodes) {
            if (!node.isRunning()) {
                continue;
            }
            try {
                return parseNodes(node.command(PROBE_TIMEOUT, "CLUSTER", "NODES"));
            } catch (UncheckedIOException | IllegalStateException e) {
                errors.add(node.uri() + ": " + e.getMessage());
            }
        }
        throw new IllegalStateException("no node of " + this + " answers CLUSTER NODES" + (errors.isEmpty()
                ? " (none is running)" : ": " + errors));
    }

    private RedisServer serverFor(NodeLine line) {
        for (RedisServer node : nodes) {
            FaultProxy proxy = proxies.get(node);
            if (node.port() == line.port || (proxy != null && proxy.port() == line.port)) {
                return node;
            }
        }
        throw new IllegalStateException("CLUSTER NODES lists unknown node " + line.id + " on port " + line.port);
    }

    private Duration readyTimeout() {
        Duration scaled = nodeTimeout.multipliedBy(10);
        return scaled.compareTo(READY_TIMEOUT) > 0 ? scaled : READY_TIMEOUT;
    }

    private void requireOpen() {
        if (closed) {
            throw new IllegalStateException(this + " is closed");
        }
    }

    static List<NodeLine> parseNodes(String clusterNodes) {
        List<NodeLine> lines = new ArrayList<>();
        for (String raw : clusterNodes.split("\n")) {
            if (!raw.isBlank()) {
                lines.add(NodeLine.parse(raw.trim()));
            }
        }
        return lines;
    }

    /**
     * One line of CLUSTER NODES:
     * {@code <id> <ip:port@cport[,hostname]> <flags> <master> <ping-sent> <pong-recv> <epoch> <link> <slot>...}.
     */
    static final class NodeLine {
        final String id;
        final int port;
        final Set<String> flags;
        final String masterId;
        final List<int[]> slots;

        private NodeLine(String id, int port, Set<String> flags, String masterId, List<int[]> slots) {
            this.id = id;
            this.port = port;
            this.flags = flags;
            this.masterId = masterId;
            this.slots = slots;
        }

        static NodeLine parse(String line) {
            String[] f = line.split(" ");
            if (f.length < 8) {
                throw new IllegalStateException("unexpected CLUSTER NODES line: " + line);
            }
            String address = f[1];
            int at = address.indexOf('@');
            String hostPort = at >= 0 ? address.substring(0, at) : address.split(",")[0];
            int port = Integer.parseInt(hostPort.substring(hostPort.lastIndexOf(':') + 1));
            Set<String> flags = Set.of(f[2].split(","));
            String masterId = "-".equals(f[3]) ? null : f[3];
            List<int[]> slots = new ArrayList<>();
            for (String token : Arrays.asList(f).subList(8, f.length)) {
                if (token.startsWith("[")) {
                    continue; // migrating / importing marker
                }
                int dash = token.indexOf('-');
                int from = Integer.parseInt(dash < 0 ? token : token.substring(0, dash));
                int to = dash < 0 ? from : Integer.parseInt(token.substring(dash + 1));
                slots.add(new int[] {from, to});
            }
            slots.sort(Comparator.comparingInt(r -> r[0]));
            return new NodeLine(f[0], port, flags, masterId, slots);
        }

        boolean isMaster() {
            return flags.contains("master");
        }

        boolean owns(int slot) {
            for (int[] range : slots) {
                if (slot >= range[0] && slot <= range[1]) {
                    return true;
                }
            }
            return false;
        }
    }
}
