package dev.multidb.health;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * A health check for open-source Redis replication: judges a database by its own {@code INFO replication}
 * (sent on the health connection, asynchronously), for setups where a member database is a replica of
 * another, or a primary that must keep replicas in sync.
 *
 * <h2>A replica ({@code role:slave}) is unhealthy when</h2>
 * <ul>
 *   <li>{@code master_link_status} is not {@code up} (the primary is gone, or a full sync is running);</li>
 *   <li>{@code master_last_io_seconds_ago} exceeds {@code maxSilence}: the link looks up but nothing has
 *       arrived (a frozen or black-holed primary, before the replica's own {@code repl-timeout} of 60 s);</li>
 *   <li>{@code slave_read_repl_offset - slave_repl_offset} exceeds {@code maxLagBytes}: the replica has
 *       received that much of the stream without applying it (Redis 7+; absent fields are not judged).</li>
 * </ul>
 * A replica cannot see how far its primary has got: in a replica's INFO, {@code master_repl_offset} is the
 * replica's <em>own</em> offset (it equals {@code slave_repl_offset}; checked on Redis 7.0), not the
 * primary's. Bytes the primary has produced but not yet sent are therefore invisible from the replica; a
 * stalled stream shows as silence instead. For the end-to-end byte lag, check the primary with
 * {@code minReplicas ≥ 1}.
 *
 * <h2>A primary ({@code role:master}) is healthy when</h2>
 * at least {@code minReplicas} (default 0, so any primary passes) of its {@code slaveN:} lines are in sync:
 * {@code state=online}, {@code master_repl_offset - offset ≤ maxLagBytes} and {@code lag} (seconds since
 * that replica's last acknowledgement; replicas acknowledge every second) {@code ≤ maxSilence}.
 *
 * <h2>Defaults</h2>
 * <ul>
 *   <li>{@code maxLagBytes} 1 MiB: Redis's default {@code repl-backlog-size}. A replica further behind than the
 *       backlog cannot even resume after a link blip (it needs a full resync), so it is a natural "too far
 *       behind" line; under it, normal write bursts (a replica acknowledges only once a second) pass.</li>
 *   <li>{@code maxSilence} 20 s: a primary sends a PING every {@code repl-ping-replica-period} (10 s), so an idle
 *       but healthy link legitimately reaches 10 s of silence; 20 s tolerates one late ping and still reacts
 *       well before the 60 s {@code repl-timeout}.</li>
 *   <li>{@code expectRole} {@link Role#ANY}; set {@link Role#REPLICA} or {@link Role#PRIMARY} to also fail a
 *       database whose role is not the expected one (for example a replica that has been promoted).</li>
 * </ul>
 * An unhealthy verdict completes the stage exceptionally with a {@link HealthCheckFailedException} (an
 * {@link IllegalStateException}) whose message
 * says which rule failed, with the numbers; a healthy one completes with {@code true}. Thread-safe.
 */
public final class ReplicationLagHealthCheck implements HealthCheck {

    /** Default tolerated offset lag: 1 MiB, Redis's default replication backlog. */
    public static final long DEFAULT_MAX_LAG_BYTES = 1024 * 1024;
    /** Default tolerated silence of the replication link: two of Redis's 10 s replica pings. */
    public static final Duration DEFAULT_MAX_SILENCE = Duration.ofSeconds(20);

    /** The role the checked database must have. */
    public enum Role {
        /** Either role; each is judged by its own rules. */
        ANY,
        /** Must be a primary ({@code role:master}). */
        PRIMARY,
        /** Must be a replica ({@code role:slave}). */
        REPLICA
    }

    private final long maxLagBytes;
    private final Duration maxSilence;
    private final int minReplicas;
    private final Role expectRole;

    private ReplicationLagHealthCheck(Builder b) {
        this.maxLagBytes = b.maxLagBytes;
        this.maxSilence = b.maxSilence;
        this.minReplicas = b.minReplicas;
        this.expectRole = b.expectRole;
    }

    /** {@return a builder with the defaults: 1 MiB, 20 s, no replicas required, any role} */
    public static Builder builder() {
        return new Builder();
    }

    @Override
    public CompletionStage<Boolean> check(HealthCheckTarget target) {
        String name = target.database().name();
        try {
            return target.commands().info("replication").thenApply(info -> judge(name, parse(info)));
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /** The verdict on one {@code INFO replication} answer; throws with the reason when unhealthy. */
    boolean judge(String name, Map<String, String> info) {
        String role = info.get("role");
        if ("slave".equals(role)) {
            requireRole(name, Role.REPLICA);
            return judgeReplica(name, info);
        }
        if ("master".equals(role)) {
            requireRole(name, Role.PRIMARY);
            return judgePrimary(name, info);
        }
        throw new HealthCheckFailedException("'" + name + "': INFO replication has no known role (role:" + role + ")");
    }

    private void requireRole(String name, Role actual) {
        if (expectRole != Role.ANY && expectRole != actual) {
            throw new HealthCheckFailedException("'" + name + "' is a " + describe(actual) + ", expected a " + describe(expectRole));
        }
    }

    private static String describe(Role role) {
        return role == Role.PRIMARY ? "primary" : "replica";
    }

    private boolean judgeReplica(String name, Map<String, String> info) {
        String primary = info.get("master_host") + ":" + info.get("master_port");
        String link = info.get("master_link_status");
        if (!"up".equals(link)) {
            String since = info.get("master_link_down_since_seconds");
            throw new HealthCheckFailedException("replica '" + name + "': replication link to primary " + primary + " is " + link
                    + ("1".equals(info.get("master_sync_in_progress")) ? " (full sync in progress)"
                            : since != null && !since.equals("-1") ? " (down for " + since + " s)" : ""));
        }
        long silence = number(info, "master_last_io_seconds_ago", -1);
        if (silence > maxSilence.toSeconds()) {
            throw new HealthCheckFailedException("replica '" + name + "': nothing received from primary " + primary + " for "
                    + silence + " s (maxSilence " + maxSilence.toSeconds() + " s)");
        }
        long read = number(info, "slave_read_repl_offset", -1);
        long applied = number(info, "slave_repl_offset", -1);
        if (read >= 0 && applied >= 0 && read - applied > maxLagBytes) {
            throw new HealthCheckFailedException("replica '" + name + "': " + (read - applied) + " bytes received from primary "
                    + primary + " are not applied yet (maxLagBytes " + maxLagBytes + ")");
        }
        return true;
    }

    private boolean judgePrimary(String name, Map<String, String> info) {
        if (minReplicas == 0) {
            return true;
        }
        long offset = number(info, "master_repl_offset", 0);
        int inSync = 0;
        StringBuilder others = new StringBuilder();
        for (Map.Entry<String, String> e : info.entrySet()) {
            if (!e.getKey().matches("slave\\d+")) {
                continue;
            }
            Map<String, String> replica = fields(e.getValue());
            long replicaOffset = parseLong(replica.get("offset"), -1);
            long lagSeconds = parseLong(replica.get("lag"), Long.MAX_VALUE);
            boolean ok = "online".equals(replica.get("state")) && replicaOffset >= 0
                    && offset - replicaOffset <= maxLagBytes && lagSeconds <= maxSilence.toSeconds();
            if (ok) {
                inSync++;
            } else {
                others.append(others.length() == 0 ? "" : "; ").append(replica.get("ip")).append(':').append(replica.get("port"))
                        .append(" state=").append(replica.get("state")).append(" behind=")
                        .append(replicaOffset < 0 ? "?" : String.valueOf(offset - replicaOffset)).append("B lag=")
                        .append(replica.get("lag")).append('s');
            }
        }
        if (inSync < minReplicas) {
            throw new HealthCheckFailedException("primary '" + name + "': " + inSync + " replica(s) in sync, minReplicas " + minReplicas
                    + " (maxLagBytes " + maxLagBytes + ", maxSilence " + maxSilence.toSeconds() + " s)"
                    + (others.length() > 0 ? "; out of sync: " + others : ""));
        }
        return true;
    }

    /** {@code key:value} lines; section headers and blank lines skipped. */
    static Map<String, String> parse(String info) {
        Map<String, String> fields = new HashMap<>();
        for (String line : info.split("\r?\n")) {
            int colon = line.indexOf(':');
            if (!line.startsWith("#") && colon > 0) {
                fields.put(line.substring(0, colon).trim(), line.substring(colon + 1).trim());
            }
        }
        return fields;
    }

    /** The {@code ip=...,port=...,state=...} of a {@code slaveN} line. */
    private static Map<String, String> fields(String value) {
        Map<String, String> fields = new HashMap<>();
        for (String part : value.split(",")) {
            int eq = part.indexOf('=');
            if (eq > 0) {
                fields.put(part.substring(0, eq), part.substring(eq + 1));
            }
        }
        return fields;
    }

    private static long number(Map<String, String> info, String key, long absent) {
        return parseLong(info.get(key), absent);
    }

    private static long parseLong(String value, long absent) {
        if (value == null) {
            return absent;
        }
        try {
            return Long.parseLong(value);
        } catch (NumberFormatException e) {
            return absent;
        }
    }

    /** The options. */
    @Override
    public String toString() {
        return "ReplicationLagHealthCheck[maxLagBytes=" + maxLagBytes + ", maxSilence=" + maxSilence.toSeconds() + "s"
                + ", minReplicas=" + minReplicas + ", expectRole=" + expectRole + "]";
    }

    /** Options of a {@link ReplicationLagHealthCheck}; validated in {@link #build()}. Not thread-safe. */
    public static final class Builder {
        private long maxLagBytes = DEFAULT_MAX_LAG_BYTES;
        private Duration maxSilence = DEFAULT_MAX_SILENCE;
        private int minReplicas;
        private Role expectRole = Role.ANY;

        private Builder() {
        }

        /**
         * Offset lag tolerated, in bytes of the replication stream (default 1 MiB).
         *
         * @param bytes zero or more
         * @return this builder
         */
        public Builder maxLagBytes(long bytes) {
            this.maxLagBytes = bytes;
            return this;
        }

        /**
         * Silence of the replication link tolerated; whole seconds, as INFO reports them (default 20 s).
         *
         * @param silence zero or more
         * @return this builder
         */
        public Builder maxSilence(Duration silence) {
            this.maxSilence = silence;
            return this;
        }

        /**
         * Replicas a primary must keep in sync to be healthy (default 0).
         *
         * @param replicas zero or more
         * @return this builder
         */
        public Builder minReplicas(int replicas) {
            this.minReplicas = replicas;
            return this;
        }

        /**
         * The role the database must have (default {@link Role#ANY}).
         *
         * @param role the role
         * @return this builder
         */
        public Builder expectRole(Role role) {
            this.expectRole = role;
            return this;
        }

        /**
         * The health check.
         *
         * @return the health check
         * @throws IllegalArgumentException naming the invalid option
         */
        public ReplicationLagHealthCheck build() {
            if (maxLagBytes < 0) {
                throw new IllegalArgumentException("maxLagBytes must not be negative, was " + maxLagBytes);
            }
            Objects.requireNonNull(maxSilence, "maxSilence");
            if (maxSilence.toSeconds() < 1) {
                throw new IllegalArgumentException("maxSilence must be at least 1 s (INFO counts whole seconds), was " + maxSilence);
            }
            if (minReplicas < 0) {
                throw new IllegalArgumentException("minReplicas must not be negative, was " + minReplicas);
            }
            Objects.requireNonNull(expectRole, "expectRole");
            return new ReplicationLagHealthCheck(this);
        }
    }
}
