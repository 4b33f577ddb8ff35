package dev.multidb.database;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

/**
 * How a Sentinel's answer ({@code SENTINEL MASTER}, {@code SENTINEL REPLICAS}) is read when the master does not
 * answer: the group replacing its master (busy) or the group gone (a failure). The flags are the ones Redis 7
 * Sentinels showed in {@code SentinelMemberIT}.
 */
class SentinelViewTest {

    private static Map<String, String> master(String flags) {
        return Map.of("ip", "127.0.0.1", "port", "6379", "flags", flags);
    }

    private static List<Map<String, String>> replica(String flags) {
        return List.of(Map.of("ip", "127.0.0.1", "port", "6380", "flags", flags));
    }

    @Test
    void aMasterNotYetNoticedDeadIsNoFailure() {
        assertThat(StandaloneMember.describeFailover(master("master,disconnected"), replica("slave,disconnected,s_down")))
                .contains("failing its master over");
    }

    @Test
    void aMasterDownWithAReplicaUpIsAFailoverToCome() {
        assertThat(StandaloneMember.describeFailover(master("s_down,o_down,master,disconnected"), replica("slave")))
                .contains("1 replica(s) not down");
    }

    @Test
    void theReplicaBeingPromotedWhileThisSentinelDoesNotLeadTheFailoverIsNoFailure() {
        // The leader's SLAVEOF NO ONE comes with CLIENT KILL: this Sentinel's link to the replica was just cut.
        assertThat(StandaloneMember.describeFailover(master("s_down,o_down,master,disconnected"), replica("slave,disconnected")))
                .contains("1 replica(s) not down");
        assertThat(StandaloneMember.describeFailover(master("s_down,master,disconnected"), replica("slave,disconnected")))
                .isNotNull();
    }

    @Test
    void aFailoverPromotingAReplicaIsNoFailure() {
        assertThat(StandaloneMember.describeFailover(master("s_down,o_down,master,disconnected,failover_in_progress"),
                replica("slave,promoted"))).contains("failover_in_progress");
    }

    @Test
    void aFailoverWithEveryReplicaDownIsTheGroupGone() {
        // A Sentinel that lost the leader election keeps its failover flag until its election timeout: nothing
        // can be promoted all the same.
        assertThat(StandaloneMember.describeFailover(master("s_down,o_down,master,disconnected,failover_in_progress"),
                replica("s_down,slave,disconnected"))).isNull();
    }

    @Test
    void theMasterAndEveryReplicaDownIsTheGroupGone() {
        assertThat(StandaloneMember.describeFailover(master("s_down,o_down,master,disconnected"), replica("s_down,slave,disconnected")))
                .isNull();
        assertThat(StandaloneMember.describeFailover(master("s_down,master,disconnected"), List.of())).isNull();
    }
}
