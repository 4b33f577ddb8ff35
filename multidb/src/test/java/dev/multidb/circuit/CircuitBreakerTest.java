package dev.multidb.circuit;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

class CircuitBreakerTest {

    private final AtomicLong now = new AtomicLong(1_000);
    private final CircuitBreaker circuit = new CircuitBreaker(Duration.ofSeconds(60), now::get, CircuitState.CLOSED);

    @Test
    void failureOpensAndGraceKeepsItOpenEvenWhenHealthy() {
        assertThat(circuit.onFailure()).isEqualTo(new CircuitBreaker.Transition(CircuitState.CLOSED, CircuitState.OPEN));
        now.addAndGet(Duration.ofSeconds(59).toNanos());
        assertThat(circuit.onHealthy()).isNull();
        assertThat(circuit.onGraceTimer()).isNull();
        assertThat(circuit.state()).isEqualTo(CircuitState.OPEN);
    }

    @Test
    void afterGraceItGoesHalfOpenAndTheNextCheckDecides() {
        circuit.onFailure();
        now.addAndGet(Duration.ofSeconds(60).toNanos());
        assertThat(circuit.onGraceTimer()).isEqualTo(new CircuitBreaker.Transition(CircuitState.OPEN, CircuitState.HALF_OPEN));
        assertThat(circuit.onHealthy()).isEqualTo(new CircuitBreaker.Transition(CircuitState.HALF_OPEN, CircuitState.CLOSED));
    }

    @Test
    void failingHalfOpenCheckReopensWithANewGracePeriod() {
        circuit.onFailure();
        now.addAndGet(Duration.ofSeconds(60).toNanos());
        circuit.onGraceTimer();
        assertThat(circuit.onFailure()).isEqualTo(new CircuitBreaker.Transition(CircuitState.HALF_OPEN, CircuitState.OPEN));
        now.addAndGet(Duration.ofSeconds(30).toNanos());
        assertThat(circuit.onGraceTimer()).isNull();
        assertThat(circuit.onHealthy()).isNull();
        now.addAndGet(Duration.ofSeconds(30).toNanos());
        assertThat(circuit.onHealthy()).isEqualTo(new CircuitBreaker.Transition(CircuitState.OPEN, CircuitState.CLOSED));
    }

    @Test
    void repeatedFailuresDoNotExtendTheGracePeriod() {
        circuit.onFailure();
        now.addAndGet(Duration.ofSeconds(40).toNanos());
        assertThat(circuit.onFailure()).isNull();
        now.addAndGet(Duration.ofSeconds(20).toNanos());
        assertThat(circuit.onGraceTimer()).isNotNull();
    }

    @Test
    void closedStaysClosedWhenHealthy() {
        assertThat(circuit.onHealthy()).isNull();
        assertThat(circuit.state()).isEqualTo(CircuitState.CLOSED);
    }
}
