package dev.multidb.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.multidb.ActiveDatabaseChangedEvent;
import dev.multidb.CircuitStateChangedEvent;
import dev.multidb.DatabaseConfig;
import dev.multidb.MultiDbClient;
import dev.multidb.MultiDbConfig;
import dev.multidb.MultiDbEvent;
import dev.multidb.testkit.RedisSentinelGroup;
import dev.multidb.testkit.RedisServer;

/**
 * A member database that is a Redis Sentinel group ({@code redis-sentinel://…#master}): commands go to the master
 * the Sentinels name, follow a promotion without a switch, and the whole group going away is a database failure.
 */
class SentinelMemberIT {

    private RedisSentinelGroup group;
    private RedisServer west;
    private MultiDbClient<String, String> client;
    private final Fixtures.Recorder recorder = new Fixtures.Recorder();

    @BeforeEach
    void start() {
        group = RedisSentinelGroup.start("east-master");
        west = RedisServer.start();
        MultiDbConfig config = MultiDbConfig.builder()
                .database(DatabaseConfig.builder().fromUrl(group.uri()).weight(1.0).gracePeriod(Duration.ofMillis(500)).build())
                .database(Fixtures.db("west", west.uri(), 0.5))
                .healthCheckInterval(Duration.ofMillis(200))
                .healthCheckDelay(Duration.ofMillis(50))
                .autoFallbackInterval(Duration.ofMillis(500))
                .connectTimeout(Duration.ofSeconds(3))
                // Noticing the dead master (down-after 1 s) and promoting the replica takes the Sentinels a few seconds.
                .busyBudget(Duration.ofSeconds(8))
                .build();
        client = MultiDbClient.create(config);
        client.addListener(MultiDbEvent.class, recorder.events::add);
    }

    @AfterEach
    void stop() {
        if (client != null) {
            client.close();
        }
        west.close();
        group.close();
    }

    @Test
    void commandsGoToTheMasterTheSentinelsName_andStatusShowsTheGroup() {
        assertThat(client.activeDatabase().name()).as("named after its master by default").isEqualTo("east-master");

        client.sync().set("k", "v");

        assertThat(group.master().command("GET", "k")).isEqualTo("v");
        assertThat(west.command("GET", "k")).isNull();
        assertThat(client.status().databases().get(0).endpoint())
                .isEqualTo(group.uri()).startsWith("redis-sentinel://127.0.0.1:").endsWith("#east-master");
    }

    @Test
    void afterAPromotionInsideTheGroup_writesGoToTheNewMaster_withoutASwitch() {
        client.sync().set("before", "1");
        RedisServer oldMaster = group.master();
        long started = System.nanoTime();

        RedisServer newMaster = group.killMasterAndAwaitPromotion();

        assertThat(newMaster).isNotSameAs(oldMaster);
        await().atMost(Duration.ofSeconds(20)).ignoreExceptions().untilAsserted(() -> {
            client.sync().set("after", "2");
            assertThat(client.activeDatabase().name()).isEqualTo("east-master");
            assertThat(newMaster.command("GET", "after")).isEqualTo("2");
        });
        assertThat(newMaster.command("GET", "before")).as("replicated before the kill").isEqualTo("1");
        List<ActiveDatabaseChangedEvent> switches = recorder.of(ActiveDatabaseChangedEvent.class);
        System.out.println("sentinel promotion: writes on the new master " + Duration.ofNanos(System.nanoTime() - started).toMillis()
                + " ms after the kill; switches meanwhile: " + switches.stream().map(e -> e.reason() + "->" + e.newDatabase().name()).toList());
        // The health checks ask the Sentinels and tolerate the promotion within the busy budget, including the moment
        // the failover leader's CLIENT KILL on the promoted replica makes the other Sentinels show it "disconnected".
        assertThat(switches).as("a promotion inside the group is not the database failing").isEmpty();
        assertThat(recorder.of(CircuitStateChangedEvent.class)).as("nor a circuit opening").isEmpty();
    }

    @Test
    void theWholeGroupGoneIsADatabaseFailure() {
        group.dataNodes().forEach(RedisServer::kill);

        // The Sentinels still answer, but have nothing to promote: no tolerance (the busy budget is 8 s).
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(client.activeDatabase().name()).isEqualTo("west"));
        client.sync().set("k", "on-west");
        assertThat(west.command("GET", "k")).isEqualTo("on-west");
        assertThat(client.status().databases().get(0).healthy()).isFalse();
    }
}
