package dev.multidb.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.Arrays;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP proxy on a loopback port that forwards to a target and can inject network faults: latency,
 * black-holing, connection resets and refused connections.
 *
 * <p>Every connection uses four daemon threads (a reader and a delaying writer per direction), all named
 * {@code faultproxy-<port>-...}. FIN and reset from either side are propagated; only data is subject to
 * faults. {@link #close()} stops every thread and closes every socket.
 */
public final class FaultProxy implements AutoCloseable {

    private static final String HOST = "127.0.0.1";
    private static final int CHUNK_SIZE = 16 * 1024;
    private static final int UPSTREAM_CONNECT_TIMEOUT_MS = 2_000;
    private static final long JOIN_TIMEOUT_MS = 5_000;
    private static final long BLACKHOLE_POLL_MILLIS = 5;

    private volatile InetSocketAddress target;
    private final int port;
    private final Set<Connection> connections = ConcurrentHashMap.newKeySet();
    private final Set<Thread> threads = ConcurrentHashMap.newKeySet();
    private final AtomicInteger connectionIds = new AtomicInteger();
    private volatile long latencyNanos;
    private volatile boolean blackhole;
    private volatile boolean closed;
    private ServerSocket listener; // null while refusing; guarded by this
    private Thread acceptor; // guarded by this

    private FaultProxy(InetSocketAddress target, ServerSocket listener) {
        this.target = target;
        this.listener = listener;
        this.port = listener.getLocalPort();
        this.acceptor = startAcceptor(listener);
    }

    /** Starts a proxy on a free loopback port forwarding to {@code targetHost:targetPort}. */
    public static FaultProxy start(String targetHost, int targetPort) {
        return new FaultProxy(new InetSocketAddress(targetHost, targetPort), bind(0));
    }

    /**
     * Points new connections at another target; current connections keep theirs. Lets a proxy's port
     * be known before its target exists (a cluster node that must announce the proxy's port).
     */
    public void retarget(String targetHost, int targetPort) {
        target = new InetSocketAddress(targetHost, targetPort);
    }

    /** The proxy's listening port, fixed for its lifetime. */
    public int port() {
        return port;
    }

    /** {@code redis://127.0.0.1:PORT} of the proxy. */
    public String uri() {
        return "redis://" + HOST + ":" + port;
    }

    /** Delays every forwarded chunk, in both directions, by {@code delay}; {@link Duration#ZERO} disables it. */
    public void setLatency(Duration delay) {
        if (delay.isNegative()) {
            throw new IllegalArgumentException("negative latency " + delay);
        }
        latencyNanos = delay.toNanos();
    }

    /**
     * While on, nothing is delivered in either direction; connections stay open and new ones are accepted
     * into the same black hole. Turning it off delivers what was held, in order, as TCP does once a network
     * partition heals: bytes are delayed, never dropped (a stream with a gap in it is not a fault a network
     * produces, and no client could stay in sync across one).
     */
    public void blackhole(boolean on) {
        blackhole = on;
    }

    /** Resets every current connection (SO_LINGER 0 then close, on both sides), so peers see a reset. */
    public void resetConnections() {
        connections.forEach(Connection::reset);
    }

    /**
     * While on, the listening socket is closed so new connections are refused at once; when turned off the
     * same port is bound again. Existing connections are unaffected, except ones the kernel had completed
     * but the proxy had not yet accepted: those are reset (wait for {@link #activeConnections()} if it matters).
     */
    public synchronized void refuseNewConnections(boolean on) {
        requireOpen();
        if (on && listener != null) {
            closeQuietly(listener);
            listener = null;
            // The kernel socket only goes away once the thread blocked in accept() has returned.
            join(acceptor, JOIN_TIMEOUT_MS);
        } else if (!on && listener == null) {
            listener = bind(port);
            acceptor = startAcceptor(listener);
        }
    }

    /** Back to normal: no latency, no black hole, accepting connections. */
    public void heal() {
        setLatency(Duration.ZERO);
        blackhole(false);
        refuseNewConnections(false);
    }

    /** Number of currently open proxied connections. */
    public int activeConnections() {
        return connections.size();
    }

    /** Closes the listener and all connections and waits (bounded) for every proxy thread to end. Idempotent. */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            if (listener != null) {
                closeQuietly(listener);
                listener = null;
            }
        }
        connections.forEach(Connection::close);
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(JOIN_TIMEOUT_MS);
        for (Thread t : threads) {
            join(t, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()));
        }
    }

    @Override
    public String toString() {
        return "FaultProxy[" + uri() + " -> " + target + "]";
    }

    private Thread startAcceptor(ServerSocket socket) {
        return spawn("accept", () -> {
            while (true) {
                Socket client;
                try {
                    client = socket.accept();
                } catch (IOException closedByRefuseOrClose) {
                    return;
                }
                if (socket.isClosed()) { // raced with refuseNewConnections(true) or close()
                    resetQuietly(client);
                    return;
                }
                accept(client);
            }
        });
    }

    private void accept(Socket client) {
        Socket upstream = new Socket();
        try {
            client.setTcpNoDelay(true);
            upstream.setTcpNoDelay(true);
            // Connecting here (not on a connection thread) keeps the lifecycle simple; targets are local.
            upstream.connect(target, UPSTREAM_CONNECT_TIMEOUT_MS);
        } catch (IOException e) {
            // Target down: mirror "connection refused" as closely as an accepted socket allows.
            resetQuietly(client);
            closeQuietly(upstream);
            return;
        }
        Connection connection = new Connection(connectionIds.incrementAndGet(), client, upstream);
        connections.add(connection);
        if (closed) { // close() may have swept the set just before we added to it
            connection.close();
            return;
        }
        connection.start();
    }

    private Thread spawn(String role, Runnable body) {
        Thread thread = new Thread(() -> {
            try {
                body.run();
            } finally {
                threads.remove(Thread.currentThread());
            }
        }, "faultproxy-" + port + "-" + role);
        thread.setDaemon(true);
        threads.add(thread);
        thread.start();
        return thread;
    }

    private synchronized void requireOpen() {
        if (closed) {
            throw new IllegalStateException(this + " is closed");
        }
    }

    /** Binds a loopback listener; SO_REUSEADDR and a few retries make re-binding a just-closed port reliable. */
    private static ServerSocket bind(int port) {
        for (int attempt = 1; ; attempt++) {
            ServerSocket socket = null;
            try {
                socket = new ServerSocket();
                socket.setReuseAddress(true);
                socket.bind(new InetSocketAddress(HOST, port), 128);
                return socket;
            } catch (BindException e) {
                closeQuietly(socket);
                if (attempt >= 50) {
                    throw new UncheckedIOException("cannot bind " + HOST + ":" + port, e);
                }
                RedisServer.pause(20);
            } catch (IOException e) {
                closeQuietly(socket);
                throw new UncheckedIOException("cannot bind " + HOST + ":" + port, e);
            }
        }
    }

    private static void join(Thread thread, long millis) {
        try {
            thread.join(Math.max(1, millis));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void resetQuietly(Socket socket) {
        try {
            socket.setSoLinger(true, 0); // close() then sends RST instead of FIN
        } catch (IOException ignored) {
            // already closed
        }
        closeQuietly(socket);
    }

    private static void closeQuietly(AutoCloseable closeable) {
        if (closeable == null) {
            return;
        }
        try {
            closeable.close();
        } catch (Exception ignored) {
            // closing is best effort
        }
    }

    /** A client socket paired with its upstream socket. */
    private final class Connection {
        private final int id;
        private final Socket client;
        private final Socket upstream;
        private final AtomicBoolean closed = new AtomicBoolean();
        private final AtomicInteger halfClosed = new AtomicInteger();
        private final Pipe toUpstream;
        private final Pipe toClient;

        Connection(int id, Socket client, Socket upstream) {
            this.id = id;
            this.client = client;
            this.upstream = upstream;
            this.toUpstream = new Pipe(this, client, upstream);
            this.toClient = new Pipe(this, upstream, client);
        }

        void start() {
            spawn("c" + id + "-up-read", toUpstream::readLoop);
            spawn("c" + id + "-up-write", toUpstream::writeLoop);
            spawn("c" + id + "-down-read", toClient::readLoop);
            spawn("c" + id + "-down-write", toClient::writeLoop);
        }

        /** One direction finished cleanly; once both have, the connection is done. */
        void directionDone() {
            if (halfClosed.incrementAndGet() == 2) {
                close();
            }
        }

        void reset() {
            if (closed.compareAndSet(false, true)) {
                resetQuietly(client);
                resetQuietly(upstream);
                release();
            }
        }

        void close() {
            if (closed.compareAndSet(false, true)) {
                closeQuietly(client);
                closeQuietly(upstream);
                release();
            }
        }

        private void release() {
            // Readers unblock because their sockets are closed; writers may be parked on the queue or a delay.
            toUpstream.stopWriter();
            toClient.stopWriter();
            connections.remove(this);
        }
    }

    /** One direction of a connection: a reader that timestamps chunks and a writer that releases them when due. */
    private final class Pipe {
        private static final byte[] EOF = new byte[0];

        private final Connection connection;
        private final Socket from;
        private final Socket to;
        private final BlockingQueue<Chunk> queue = new LinkedBlockingQueue<>();
        private volatile Thread writer;

        Pipe(Connection connection, Socket from, Socket to) {
            this.connection = connection;
            this.from = from;
            this.to = to;
        }

        void readLoop() {
            byte[] buf = new byte[CHUNK_SIZE];
            try {
                InputStream in = from.getInputStream();
                int n;
                while ((n = in.read(buf)) != -1) {
                    queue.add(new Chunk(Arrays.copyOf(buf, n), System.nanoTime() + latencyNanos));
                }
                // EOF goes through the queue so it is not forwarded before data still being delayed.
                queue.add(new Chunk(EOF, System.nanoTime() + latencyNanos));
            } catch (IOException e) {
                connection.close();
            }
        }

        void writeLoop() {
            writer = Thread.currentThread();
            if (connection.closed.get()) {
                return; // closed before this thread registered itself, so nobody will interrupt it
            }
            try {
                OutputStream out = to.getOutputStream();
                while (true) {
                    Chunk chunk = queue.take();
                    long wait;
                    while ((wait = chunk.due - System.nanoTime()) > 0) {
                        TimeUnit.NANOSECONDS.sleep(wait);
                    }
                    while (blackhole) {
                        TimeUnit.MILLISECONDS.sleep(BLACKHOLE_POLL_MILLIS); // held, as TCP holds data across a partition
                    }
                    if (chunk.data == EOF) {
                        to.shutdownOutput(); // propagate the half-close
                        connection.directionDone();
                        return;
                    }
                    out.write(chunk.data);
                    out.flush();
                }
            } catch (IOException e) {
                connection.close();
            } catch (InterruptedException e) {
                // connection closed
            }
        }

        void stopWriter() {
            Thread t = writer;
            if (t != null) {
                t.interrupt();
            }
        }
    }

    private static final class Chunk {
        final byte[] data;
        final long due;

        Chunk(byte[] data, long due) {
            this.data = data;
            this.due = due;
        }
    }
}
