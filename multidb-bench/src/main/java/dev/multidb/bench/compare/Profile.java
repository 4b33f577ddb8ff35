package dev.multidb.bench.compare;

import java.util.Locale;

/**
 * The client configurations compared. "tuned" means, for every client: health check every 1 s, 300 ms health-check
 * timeout, 1 s command/socket timeout, and (for the outage scenario) fall back checked every 1 s with a 2 s grace
 * period. multidb tuned additionally uses a 150 ms stall threshold (the others have no equivalent).
 */
public enum Profile {
    MULTIDB_DEFAULT, MULTIDB_TUNED, LETTUCE_DEFAULT, LETTUCE_TUNED, JEDIS_DEFAULT, JEDIS_TUNED;

    public String id() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    public boolean tuned() {
        return name().endsWith("TUNED");
    }

    public static Profile parse(String s) {
        return valueOf(s.toUpperCase(Locale.ROOT).replace('-', '_'));
    }

    /** Builds and connects the client; the primary is given weight 1.0, the standby 0.5. */
    public BenchClient create(BenchClient.Endpoints endpoints) {
        return switch (this) {
            case MULTIDB_DEFAULT, MULTIDB_TUNED -> new MultiDbAdapter(endpoints, tuned());
            case LETTUCE_DEFAULT, LETTUCE_TUNED -> new LettuceMultiDbAdapter(endpoints, tuned());
            case JEDIS_DEFAULT, JEDIS_TUNED -> new JedisMultiDbAdapter(endpoints, tuned());
        };
    }
}
