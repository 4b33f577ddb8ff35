package dev.multidb;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

import dev.multidb.database.DatabaseRuntime;
import dev.multidb.failover.FailoverController;

/** {@link Maintenance} over a client's failover controller: every call is answered on the coordinator thread. */
final class ClientMaintenance implements Maintenance {

    private final FailoverController<?, ?> controller;
    private final Consumer<CompletableFuture<Void>> await;

    /** {@code await} waits for an answer the way the client's other management calls do. */
    ClientMaintenance(FailoverController<?, ?> controller, Consumer<CompletableFuture<Void>> await) {
        this.controller = controller;
        this.await = await;
    }

    @Override
    public void forceActive(Database database, Duration bound) {
        Objects.requireNonNull(bound, "bound");
        await.accept(controller.forceActive(Objects.requireNonNull(database, "database"), bound));
    }

    @Override
    public void forceActive(Database database) {
        await.accept(controller.forceActive(Objects.requireNonNull(database, "database"), null));
    }

    @Override
    public void release() {
        await.accept(controller.releaseForce());
    }

    @Override
    public Database forced() {
        DatabaseRuntime<?, ?> forced = controller.forced();
        return forced == null ? null : forced.view();
    }

    @Override
    public CompletableFuture<Void> drain(Database database, Duration bound) {
        return controller.drain(Objects.requireNonNull(database, "database"), Objects.requireNonNull(bound, "bound"));
    }

    @Override
    public void undrain(Database database) {
        await.accept(controller.undrain(Objects.requireNonNull(database, "database")));
    }

    @Override
    public List<Database> drained() {
        return controller.drained().stream().map(DatabaseRuntime::view).toList();
    }

    @Override
    public String toString() {
        return "Maintenance" + controller.maintenanceState();
    }
}
