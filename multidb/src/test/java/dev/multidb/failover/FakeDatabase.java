package dev.multidb.failover;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

import io.lettuce.core.RedisURI;

import dev.multidb.circuit.CircuitBreaker;
import dev.multidb.circuit.CircuitState;

/**
 * A member database for the deterministic switching tests: a real circuit breaker on the fake
 * clock; preparing for traffic hands its future to the test, which completes it when it likes.
 */
final class FakeDatabase implements ManagedDatabase {

    private final String name;
    private final CircuitBreaker circuit;
    private final Consumer<PendingPrepare> prepares;
    private double weight;
    private volatile boolean healthy;
    private Throwable lastFailure;
    private boolean connected;
    private boolean closed;
    long dispatched;
    long completed;
    boolean busy;

    /** A preparation the test has not answered yet. */
    record PendingPrepare(FakeDatabase db, CompletableFuture<Void> future) {
    }

    FakeDatabase(String name, double weight, Duration grace, LongSupplier clock, Consumer<PendingPrepare> prepares) {
        this.name = name;
        this.weight = weight;
        this.circuit = new CircuitBreaker(grace, clock, CircuitState.HALF_OPEN);
        this.prepares = prepares;
    }

    /** The test's answer to a preparation: the connection is live, or not. */
    void prepared(CompletableFuture<Void> future, boolean ok) {
        if (ok) {
            connected = true;
            future.complete(null);
        } else {
            connected = false;
            future.completeExceptionally(new IllegalStateException(name + " refused the connection"));
        }
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public double weight() {
        return weight;
    }

    @Override
    public CircuitState circuitState() {
        return circuit.state();
    }

    @Override
    public boolean isHealthy() {
        return healthy;
    }

    @Override
    public RedisURI uri() {
        return RedisURI.create("redis://fake-" + name + ":6379");
    }

    @Override
    public String healthCheckUrl() {
        return null;
    }

    @Override
    public CircuitBreaker circuit() {
        return circuit;
    }

    @Override
    public void setHealthy(boolean healthy, long latencyNanos) {
        this.healthy = healthy;
    }

    @Override
    public void setLastFailure(Throwable cause) {
        this.lastFailure = cause;
    }

    Throwable lastFailure() {
        return lastFailure;
    }

    @Override
    public void setWeight(double weight) {
        this.weight = weight;
    }

    @Override
    public CompletableFuture<Void> prepareForTraffic() {
        CompletableFuture<Void> future = new CompletableFuture<>();
        if (closed) {
            future.completeExceptionally(new IllegalStateException(name + " is closed"));
            return future;
        }
        prepares.accept(new PendingPrepare(this, future));
        return future;
    }

    @Override
    public boolean hasCommandConnection() {
        return connected;
    }

    @Override
    public void abandonCommandConnection() {
        connected = false;
    }

    private boolean serverBusy;

    @Override
    public dev.multidb.Database view() {
        return this; // the fakes are their own view: the tests hold them directly
    }

    @Override
    public boolean isServerBusy() {
        return serverBusy;
    }

    @Override
    public void setServerBusy(boolean busy) {
        serverBusy = busy;
    }

    @Override
    public void leave() {
        if (!serverBusy) {
            connected = false;
        }
    }

    @Override
    public void resetTrackers() {
    }

    @Override
    public long dispatchedCount() {
        return dispatched;
    }

    @Override
    public long completedCount() {
        return completed;
    }

    @Override
    public boolean busy() {
        return busy;
    }

    @Override
    public CompletableFuture<Void> closeAsync() {
        closed = true;
        connected = false;
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public boolean isClosed() {
        return closed;
    }

    @Override
    public String toString() {
        return name + "(w=" + weight + " " + circuit.state() + (healthy ? " healthy" : " unhealthy") + (closed ? " closed" : "") + ")";
    }
}
