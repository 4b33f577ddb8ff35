package dev.multidb.health;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class HealthCheckPolicyTest {

    @Test
    void allDecidesUnhealthyAtTheFirstFailure() {
        assertThat(HealthCheckPolicy.HEALTHY_ALL.verdict(0, 1, 3)).isFalse();
        assertThat(HealthCheckPolicy.HEALTHY_ALL.verdict(2, 0, 3)).isNull();
        assertThat(HealthCheckPolicy.HEALTHY_ALL.verdict(3, 0, 3)).isTrue();
    }

    @Test
    void majorityNeedsMoreThanHalf() {
        assertThat(HealthCheckPolicy.HEALTHY_MAJORITY.verdict(1, 1, 3)).isNull();
        assertThat(HealthCheckPolicy.HEALTHY_MAJORITY.verdict(2, 1, 3)).isTrue();
        assertThat(HealthCheckPolicy.HEALTHY_MAJORITY.verdict(1, 2, 3)).isFalse();
        assertThat(HealthCheckPolicy.HEALTHY_MAJORITY.verdict(2, 2, 4)).isFalse();
        assertThat(HealthCheckPolicy.HEALTHY_MAJORITY.verdict(3, 0, 4)).isTrue();
    }

    @Test
    void anyDecidesHealthyAtTheFirstPass() {
        assertThat(HealthCheckPolicy.HEALTHY_ANY.verdict(1, 0, 3)).isTrue();
        assertThat(HealthCheckPolicy.HEALTHY_ANY.verdict(0, 2, 3)).isNull();
        assertThat(HealthCheckPolicy.HEALTHY_ANY.verdict(0, 3, 3)).isFalse();
    }

    @Test
    void initialPolicies() {
        assertThat(InitialHealthCheckPolicy.ALL_AVAILABLE.isSatisfied(1, 2)).isFalse();
        assertThat(InitialHealthCheckPolicy.ALL_AVAILABLE.isSatisfied(2, 2)).isTrue();
        assertThat(InitialHealthCheckPolicy.MAJORITY_AVAILABLE.isSatisfied(2, 3)).isTrue();
        assertThat(InitialHealthCheckPolicy.MAJORITY_AVAILABLE.isSatisfied(1, 2)).isFalse();
        assertThat(InitialHealthCheckPolicy.ONE_AVAILABLE.isSatisfied(1, 3)).isTrue();
        assertThat(InitialHealthCheckPolicy.ONE_AVAILABLE.isSatisfied(0, 3)).isFalse();
    }
}
