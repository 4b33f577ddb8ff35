package dev.multidb.cli;

import dev.multidb.testkit.FaultProxy;
import dev.multidb.testkit.RedisServer;

/**
 * The two local redis-servers of the demo, and the fault switch on the primary. For the
 * {@link FaultKind#BLACKHOLE black hole} the client reaches the primary through a
 * {@link FaultProxy}, because a process signal cannot make a network drop packets.
 */
final class DemoServers implements AutoCloseable {

    private final FaultKind fault;
    private RedisServer primary;
    private RedisServer secondary;
    private FaultProxy proxy;

    private DemoServers(FaultKind fault) {
        this.fault = fault;
    }

    /** Starts both servers (and the proxy when needed); on failure, whatever started is stopped. */
    static DemoServers start(FaultKind fault) {
        DemoServers servers = new DemoServers(fault);
        try {
            servers.primary = RedisServer.start();
            servers.secondary = RedisServer.start();
            if (fault == FaultKind.BLACKHOLE) {
                servers.proxy = FaultProxy.start(servers.primary.host(), servers.primary.port());
            }
            return servers;
        } catch (RuntimeException | Error e) {
            servers.close();
            throw e;
        }
    }

    /** Where the client should reach the primary: through the proxy when there is one. */
    String primaryUri() {
        return proxy != null ? proxy.uri() : primary.uri();
    }

    String secondaryUri() {
        return secondary.uri();
    }

    /** Puts the fault in effect; returns once it is (the process is dead or stopped, or the proxy drops). */
    void injectFault() {
        switch (fault) {
            case KILL -> primary.kill();
            case FREEZE -> primary.freeze();
            case BLACKHOLE -> proxy.blackhole(true);
        }
    }

    /** Undoes {@link #injectFault()}; returns once the primary can answer again. */
    void heal() {
        switch (fault) {
            case KILL -> primary.restart();
            case FREEZE -> primary.thaw();
            case BLACKHOLE -> proxy.heal();
        }
    }

    /** Stops everything that was started. Idempotent; each part is closed even if another fails. */
    @Override
    public void close() {
        closeQuietly(proxy);
        closeQuietly(primary);
        closeQuietly(secondary);
    }

    private static void closeQuietly(AutoCloseable closeable) {
        if (closeable == null) {
            return;
        }
        try {
            closeable.close();
        } catch (Exception e) {
            System.err.println("could not stop " + closeable + ": " + e);
        }
    }
}
