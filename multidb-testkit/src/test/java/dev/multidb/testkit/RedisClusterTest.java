package dev.multidb.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class RedisClusterTest {

    private static final Duration FAILOVER_TIMEOUT = Duration.ofSeconds(20);

    @Test
    void crc16AndKeySlotsFollowTheSpec() {
        byte[] vector = "123456789".getBytes(StandardCharsets.US_ASCII);
        assertThat(RedisCluster.crc16(vector, 0, vector.length)).isEqualTo(0x31C3);
        assertThat(RedisCluster.slotForKey("foo")).isEqualTo(12182);
        assertThat(RedisCluster.slotForKey("{user1000}.following"))
                .isEqualTo(RedisCluster.slotForKey("{user1000}.followers"))
                .isEqualTo(RedisCluster.slotForKey("user1000"));
        // An empty tag does not count: the whole key is hashed.
        assertThat(RedisCluster.slotForKey("foo{}{bar}")).isNotEqualTo(RedisCluster.slotForKey("bar"));
        assertThat(RedisCluster.slotForKey("foo{{bar}}zap")).isEqualTo(RedisCluster.slotForKey("{bar"));
    }

    @Test
    void threeMastersStartAndAreOk() {
        try (RedisCluster cluster = RedisCluster.start(3)) {
            assertThat(cluster.isOk()).isTrue();
            assertThat(cluster.nodes()).hasSize(3);
            assertThat(cluster.masters()).containsExactlyElementsOf(cluster.nodes());
            assertThat(cluster.uri()).isEqualTo("redis://127.0.0.1:" + cluster.nodes().get(0).port());
            assertThat(cluster.seedUris()).containsExactlyElementsOf(
                    cluster.nodes().stream().map(RedisServer::uri).collect(Collectors.toList()));
            for (RedisServer node : cluster.nodes()) {
                String info = node.command("CLUSTER", "INFO");
                assertThat(info).contains("cluster_state:ok", "cluster_slots_assigned:16384",
                        "cluster_known_nodes:3", "cluster_size:3");
                assertThat(node.command("CLUSTER", "MYID")).isEqualTo(cluster.nodeId(node));
            }
            assertThat(cluster.masterForSlot(0)).isSameAs(cluster.nodes().get(0));
            assertThat(cluster.masterForSlot(16383)).isSameAs(cluster.nodes().get(2));
            RedisServer any = cluster.nodes().get(1);
            for (String key : List.of("foo", "bar", "{user1000}.following", "héllo", "a{b}c", "x{}y")) {
                assertThat(RedisCluster.slotForKey(key))
                        .as(key)
                        .isEqualTo(Integer.parseInt(any.command("CLUSTER", "KEYSLOT", key)));
            }
        }
    }

    @Test
    void behindProxiesEveryNodeAnnouncesItsProxyAndKeepsItsDataOverARestart() {
        try (RedisCluster cluster = RedisCluster.startBehindProxies(3, RedisCluster.DEFAULT_NODE_TIMEOUT,
                "--appendonly", "yes", "--appendfsync", "always")) {
            List<String> proxyUris = cluster.proxies().stream().map(FaultProxy::uri).collect(Collectors.toList());
            assertThat(cluster.seedUris()).containsExactlyElementsOf(proxyUris);
            String nodes = cluster.nodes().get(0).command("CLUSTER", "NODES");
            for (RedisServer node : cluster.nodes()) {
                FaultProxy proxy = cluster.proxyFor(node);
                assertThat(nodes).contains("127.0.0.1:" + proxy.port() + "@" + (node.port() + 10000))
                        .doesNotContain("127.0.0.1:" + node.port() + "@");
            }
            String key = "user:42";
            RedisServer owner = cluster.masterForKey(key);
            assertThat(cluster.masters()).containsExactlyElementsOf(cluster.nodes());
            // Another node redirects to the owner's proxy, not to the owner itself.
            RedisServer other = cluster.nodes().stream().filter(n -> n != owner).findFirst().orElseThrow();
            assertThatThrownBy(() -> other.command("SET", key, "v"))
                    .hasMessageContaining("MOVED").hasMessageContaining(":" + cluster.proxyFor(owner).port());
            owner.command("SET", key, "v");

            cluster.kill();
            cluster.restart();
            assertThat(cluster.masterForKey(key).command("GET", key)).isEqualTo("v");
            assertThat(cluster.nodes().get(1).command("CLUSTER", "NODES")).contains(":" + cluster.proxyFor(owner).port() + "@");
        }
    }

    @Test
    void keyIsServedByItsMasterAndOthersAnswerMoved() {
        try (RedisCluster cluster = RedisCluster.start(3)) {
            String key = "user:42";
            int slot = RedisCluster.slotForKey(key);
            RedisServer owner = cluster.masterForKey(key);
            assertThat(owner.command("SET", key, "v1")).isEqualTo("OK");
            assertThat(owner.command("GET", key)).isEqualTo("v1");
            RedisServer other = cluster.masters().stream().filter(m -> m != owner).findFirst().orElseThrow();
            assertThatThrownBy(() -> other.command("GET", key))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("MOVED " + slot + " 127.0.0.1:" + owner.port());
        }
    }

    @Test
    void replicaIsPromotedWhenItsMasterIsKilled() {
        try (RedisCluster cluster = RedisCluster.start(3, 1)) {
            assertThat(cluster.nodes()).hasSize(6);
            assertThat(cluster.masters()).containsExactlyElementsOf(cluster.nodes().subList(0, 3));
            String key = "failover-key";
            RedisServer master = cluster.masterForKey(key);
            List<RedisServer> replicas = cluster.replicasOf(master);
            assertThat(replicas).hasSize(1);
            RedisServer replica = replicas.get(0);
            assertThat(master.command("SET", key, "kept")).isEqualTo("OK");
            assertThat(master.command("WAIT", "1", "5000")).isEqualTo("1");

            master.kill();

            await().atMost(FAILOVER_TIMEOUT).pollInterval(Duration.ofMillis(100)).untilAsserted(() -> {
                assertThat(cluster.masterForKey(key)).isSameAs(replica);
                assertThat(cluster.isOk()).isTrue();
            });
            assertThat(replica.command("INFO", "replication")).contains("role:master");
            assertThat(replica.command("GET", key)).isEqualTo("kept");
            assertThat(cluster.masters()).hasSize(3).contains(replica).doesNotContain(master);
            for (RedisServer node : cluster.nodes()) {
                if (node != master) {
                    assertThat(node.command("CLUSTER", "INFO")).contains("cluster_state:ok");
                }
            }
        }
    }

    @Test
    void wholeClusterKilledAndRestartedComesBackOk() {
        try (RedisCluster cluster = RedisCluster.start(3, 1)) {
            List<RedisServer> mastersBefore = cluster.masters();
            List<String> idsBefore = cluster.nodes().stream().map(cluster::nodeId).collect(Collectors.toList());

            cluster.kill();
            assertThat(cluster.nodes()).noneMatch(RedisServer::isRunning);
            assertThat(cluster.isOk()).isFalse();
            assertThatThrownBy(cluster::masters).isInstanceOf(IllegalStateException.class);

            cluster.restart();

            assertThat(cluster.isOk()).isTrue();
            assertThat(cluster.nodes()).allMatch(RedisServer::isRunning);
            for (RedisServer node : cluster.nodes()) {
                assertThat(node.command("CLUSTER", "INFO")).contains("cluster_state:ok");
                assertThat(node.command("CLUSTER", "MYID")).isEqualTo(idsBefore.get(cluster.nodes().indexOf(node)));
            }
            assertThat(cluster.masters()).containsExactlyElementsOf(mastersBefore);
            RedisServer owner = cluster.masterForKey("after-restart");
            assertThat(owner.command("SET", "after-restart", "yes")).isEqualTo("OK");
            assertThat(owner.command("GET", "after-restart")).isEqualTo("yes");
        }
    }

    @Test
    void closeLeavesNoProcessAliveAndIsIdempotent() {
        RedisCluster cluster = RedisCluster.start(3);
        List<Long> pids = cluster.nodes().stream().map(RedisServer::pid).collect(Collectors.toList());
        cluster.nodes().get(1).kill(); // a node that is already down must not break close()

        cluster.close();
        cluster.close();

        for (long pid : pids) {
            assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive)).as("pid " + pid)
                    .isNotEqualTo(Optional.of(true));
        }
        assertThat(cluster.nodes()).noneMatch(RedisServer::isRunning);
        assertThatThrownBy(cluster::restart).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(cluster::kill).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void rejectsBadArguments() {
        assertThatThrownBy(() -> RedisCluster.start(0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> RedisCluster.start(1, -1)).isInstanceOf(IllegalArgumentException.class);
    }
}
