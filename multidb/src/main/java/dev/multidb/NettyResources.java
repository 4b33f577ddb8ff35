package dev.multidb;

import java.util.concurrent.TimeUnit;

import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.lettuce.core.resource.Transports;
import io.netty.channel.socket.SocketChannel;
import io.netty.resolver.AddressResolverGroup;
import io.netty.resolver.dns.DefaultDnsCache;
import io.netty.resolver.dns.DefaultDnsCnameCache;
import io.netty.resolver.dns.DnsAddressResolverGroup;
import io.netty.resolver.dns.DnsNameResolverBuilder;
import io.netty.resolver.dns.DnsNameResolverChannelStrategy;

/**
 * The Lettuce resources (event loops, timers, DNS) a client runs on: the application's when the
 * configuration names them, which the client leaves alone, or its own, which it shuts down on close.
 */
final class NettyResources {

    private final ClientResources resources;
    /**
     * Our own DNS resolvers when we own the resources. Lettuce's default group is JVM-wide and keeps
     * a UDP socket per event loop it served open after the loops have ended; ours is closed with the
     * client, so closing it leaves no socket behind.
     */
    private final AddressResolverGroup<?> resolvers;

    NettyResources(MultiDbConfig config) {
        if (config.clientResources() == null) {
            this.resolvers = newResolverGroup();
            this.resources = DefaultClientResources.builder().addressResolverGroup(resolvers).build();
        } else {
            this.resolvers = null;
            this.resources = config.clientResources();
        }
    }

    ClientResources get() {
        return resources;
    }

    /** Lettuce's default resolver settings (see {@code DefaultClientResources}), in a group of our own. */
    private static AddressResolverGroup<?> newResolverGroup() {
        return new DnsAddressResolverGroup(new DnsNameResolverBuilder()
                // A socket per lookup, closed after it: the resolver's long-lived socket outlives close() (Netty 4.2).
                .datagramChannelStrategy(DnsNameResolverChannelStrategy.ChannelPerResolution)
                .datagramChannelType(Transports.datagramChannelClass())
                .socketChannelType(Transports.socketChannelClass().asSubclass(SocketChannel.class))
                .cnameCache(new DefaultDnsCnameCache())
                .resolveCache(new DefaultDnsCache()));
    }

    /** Shuts down the resources the client owns; the application's are left running. */
    void close() {
        if (resolvers == null) {
            return;
        }
        resolvers.close(); // before the event loops end: closing a resolver's channel needs its loop
        try {
            resources.shutdown(0, 2, TimeUnit.SECONDS).get(3, TimeUnit.SECONDS);
        } catch (Exception e) {
            // Netty's threads are daemons; a slow shutdown does not keep the JVM alive.
        }
    }
}
