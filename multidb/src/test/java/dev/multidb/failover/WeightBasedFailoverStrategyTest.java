package dev.multidb.failover;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;

import io.lettuce.core.RedisURI;

import dev.multidb.Database;
import dev.multidb.circuit.CircuitState;

class WeightBasedFailoverStrategyTest {

    record Db(String name, double weight, CircuitState circuitState, boolean isHealthy) implements Database {
        @Override
        public RedisURI uri() {
            return RedisURI.create("redis://localhost");
        }

        @Override
        public String healthCheckUrl() {
            return null;
        }
    }

    private final WeightBasedFailoverStrategy strategy = new WeightBasedFailoverStrategy();

    @Test
    void picksTheHighestWeightClosedDatabase() {
        Db a = new Db("a", 0.5, CircuitState.CLOSED, true);
        Db b = new Db("b", 1.0, CircuitState.CLOSED, true);
        Db c = new Db("c", 2.0, CircuitState.OPEN, true);
        assertThat(strategy.select(List.of(a, b, c))).isSameAs(b);
    }

    @Test
    void whenEveryCircuitIsOpenAHealthyDatabaseIsUsedAnyway() {
        Db a = new Db("a", 1.0, CircuitState.OPEN, false);
        Db b = new Db("b", 0.5, CircuitState.OPEN, true);
        assertThat(strategy.select(List.of(a, b))).isSameAs(b);
    }

    @Test
    void nothingWhenNothingAnswers() {
        Db a = new Db("a", 1.0, CircuitState.OPEN, false);
        Db b = new Db("b", 0.5, CircuitState.HALF_OPEN, false);
        assertThat(strategy.select(List.of(a, b))).isNull();
    }

    @Test
    void tiesGoToTheFirstConfigured() {
        Db a = new Db("a", 1.0, CircuitState.CLOSED, true);
        Db b = new Db("b", 1.0, CircuitState.CLOSED, true);
        assertThat(strategy.select(List.of(a, b))).isSameAs(a);
    }
}
