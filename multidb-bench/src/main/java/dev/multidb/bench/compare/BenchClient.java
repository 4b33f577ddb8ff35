package dev.multidb.bench.compare;

/**
 * The minimal surface the side-by-side runner needs from a multi-database client: a blocking SET and GET, the name of
 * the database commands currently go to ("primary" / "standby", or "?" if the client cannot tell), and close.
 */
public interface BenchClient extends AutoCloseable {

    /** Blocking SET; throws on failure. */
    void set(String key, String value);

    /** Blocking GET; throws on failure. */
    String get(String key);

    /** "primary" or "standby": where the client currently sends commands, according to the client's own API. */
    String activeName();

    @Override
    void close();

    /** The two endpoints a client is built against, with the names {@link #activeName()} reports. */
    record Endpoints(String primaryHost, int primaryPort, String standbyHost, int standbyPort) {

        String nameOf(int port) {
            if (port == primaryPort) {
                return "primary";
            }
            return port == standbyPort ? "standby" : "?" + port;
        }
    }
}
