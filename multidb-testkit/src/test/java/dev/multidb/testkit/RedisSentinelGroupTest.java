package dev.multidb.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class RedisSentinelGroupTest {

    private static final String USER = "app";
    private static final String PASSWORD = "group-secret";

    @Test
    void behindProxiesTheSentinelsAndTheReplicaKnowTheNodesByTheirProxiesAndAPromotionKeepsTheData() throws Exception {
        try (RedisSentinelGroup group = RedisSentinelGroup.startBehindProxies("g", Duration.ofSeconds(1), USER, PASSWORD,
                "--appendonly", "yes", "--appendfsync", "always")) {
            RedisServer first = group.dataNodes().get(0);
            RedisServer second = group.dataNodes().get(1);
            FaultProxy firstProxy = group.proxies().get(0);
            FaultProxy secondProxy = group.proxies().get(1);
            assertThat(group.master()).isSameAs(first);
            String named = group.sentinels().get(0).command("SENTINEL", "GET-MASTER-ADDR-BY-NAME", "g");
            assertThat(named).as("the Sentinels name the master's proxy").isEqualTo("127.0.0.1\n" + firstProxy.port());
            assertThat(group.sentinels().get(0).command("SENTINEL", "REPLICAS", "g"))
                    .as("the replica announces its proxy").contains("127.0.0.1:" + secondProxy.port());
            assertThat(first.command("INFO", "replication")).contains("port=" + secondProxy.port());

            // The ACL user logs in through the proxy; the default user has the same password (the test kit's commands).
            assertThat(Resp.callAuthenticated("127.0.0.1", firstProxy.port(), Duration.ofSeconds(2), null, "AUTH", USER, PASSWORD))
                    .isEqualTo("OK");
            assertThat(firstProxy.activeConnections()).as("the Sentinels' and the replica's connections cross the proxy")
                    .isGreaterThan(0);

            first.command("SET", "k", "v");
            await().atMost(Duration.ofSeconds(5)).until(() -> "v".equals(second.command("GET", "k")));

            group.awaitReplicaOnline();
            first.kill();
            assertThat(group.awaitPromotionAwayFrom(first)).isSameAs(second);
            assertThat(second.command("GET", "k")).isEqualTo("v");

            // Restarted as a master with its own data, then made a replica of the new master by the Sentinels.
            group.restartDataNode(first);
            second.command("SET", "after", "1");
            await().atMost(Duration.ofSeconds(30)).until(() -> first.command("INFO", "replication").contains("master_link_status:up")
                    && "1".equals(first.command("GET", "after")));
            assertThat(first.command("INFO", "replication")).contains("master_port:" + secondProxy.port());
        }
    }
}
