package dev.multidb.command;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.resource.ClientResources;

/**
 * Opens the application's own connections ({@code MultiDbClient.connect()}), each with Lettuce's
 * connection semantics ({@link SessionWriter}), and closes those still open when the client closes.
 */
public final class Sessions<K, V> {

    private final CommandRouter<K, V> router;
    private final ClientResources resources;
    private final RedisCodec<K, V> codec;
    private final Duration callerTimeout;
    private final Runnable ensureOpen;
    private final Set<SessionWriter<K, V>> open = ConcurrentHashMap.newKeySet();

    public Sessions(CommandRouter<K, V> router, ClientResources resources, RedisCodec<K, V> codec, Duration callerTimeout,
            Runnable ensureOpen) {
        this.router = router;
        this.resources = resources;
        this.codec = codec;
        this.callerTimeout = callerTimeout;
        this.ensureOpen = ensureOpen;
    }

    /** A new connection; it opens its physical connections when it first needs them. */
    public MultiDbConnection<K, V> open() {
        ensureOpen.run();
        SessionWriter<K, V> writer = new SessionWriter<>(router, resources, ensureOpen, open::remove);
        open.add(writer);
        return new MultiDbConnection<>(writer, writer.pushHandler(), codec, callerTimeout);
    }

    /** How many connections are open now. */
    public int openCount() {
        return open.size();
    }

    /** Closes every connection still open (the client is closing). */
    public CompletableFuture<Void> closeAll() {
        List<CompletableFuture<Void>> closing = open.stream().map(SessionWriter::closeAsync).toList();
        return CompletableFuture.allOf(closing.toArray(CompletableFuture[]::new));
    }
}
