package dev.multidb.database;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;

import dev.multidb.Database;
import dev.multidb.health.HealthCheckTarget;

/** A member database reached at one endpoint, through a Lettuce {@link RedisClient}. */
public final class StandaloneMember<K, V> implements Member<K, V> {

    private final RedisClient client;
    private final RedisURI uri;
    private final RedisCodec<K, V> codec;

    /**
     * @param uri the endpoint; its timeout bounds Lettuce's connection handshake (HELLO, AUTH,
     *            SELECT), 60 s by default, so it should be short (see {@link MemberClients#withHandshakeTimeout})
     */
    public StandaloneMember(RedisClient client, RedisURI uri, RedisCodec<K, V> codec) {
        this.client = client;
        this.uri = uri;
        this.codec = codec;
    }

    @Override
    public CompletableFuture<StatefulConnection<K, V>> connectCommands() {
        return client.connectAsync(codec, uri).toCompletableFuture().thenApply(c -> c);
    }

    @Override
    @SuppressWarnings("unchecked")
    public CompletableFuture<String> ping(StatefulConnection<K, V> connection) {
        return ((StatefulRedisConnection<K, V>) connection).async().ping().toCompletableFuture();
    }

    @Override
    public CompletableFuture<StatefulConnection<String, String>> connectHealth() {
        return client.connectAsync(StringCodec.UTF8, uri).toCompletableFuture().thenApply(c -> c);
    }

    @Override
    @SuppressWarnings("unchecked")
    public HealthCheckTarget healthTarget(Database database, StatefulConnection<String, String> connection) {
        return HealthTargets.standalone(database, ((StatefulRedisConnection<String, String>) connection).async());
    }

    @Override
    public CompletableFuture<StatefulRedisPubSubConnection<K, V>> connectPubSub() {
        return client.connectPubSubAsync(codec, uri).toCompletableFuture();
    }

    @Override
    public CompletableFuture<StatefulRedisConnection<K, V>> connectDedicated() {
        return client.connectAsync(codec, uri).toCompletableFuture();
    }

    @Override
    public CompletableFuture<String> failingOver() {
        if (uri.getSentinels().isEmpty()) {
            return CompletableFuture.completedFuture(null);
        }
        String masterName = uri.getSentinelMasterId();
        return client.connectSentinelAsync(StringCodec.UTF8, uri).thenCompose(sentinel -> {
            var commands = sentinel.async();
            CompletableFuture<Map<String, String>> master = commands.master(masterName).toCompletableFuture();
            CompletableFuture<List<Map<String, String>>> replicas = commands.replicas(masterName).toCompletableFuture();
            return master.thenCombine(replicas, (m, r) -> describeFailover(m, r))
                    .whenComplete((answer, error) -> sentinel.closeAsync());
        }).exceptionally(unreachable -> null); // the Sentinels do not answer either: the group is down
    }

    /**
     * What the Sentinels' view says, or null when the group is down: its master and every replica are down for
     * them too (s_down or o_down). A master they see up (not noticed dead yet, or just promoted while our probe
     * tried the old one) or a replica not down (one to promote, or being promoted) is the group replacing its
     * master.
     *
     * <p>Down is the Sentinels' verdict (s_down, o_down), for replicas as for the master; "disconnected" is not:
     * it only says a Sentinel's link to the node is being re-opened. The leader of a failover promotes the replica
     * with {@code SLAVEOF NO ONE} and {@code CLIENT KILL TYPE normal|pubsub}, which cuts the other Sentinels' links
     * to it: for a moment they show it "disconnected", see the old master down, and (not leading) no failover
     * flag. Counting that replica out made a probe then fail, and a promotion look like the group gone.
     *
     * <p>A failover flag is no sign of a promotion to come when every replica is down: a failover can only promote
     * a replica that answers. With the whole group gone, a Sentinel that lost the leader election keeps its
     * "failover_in_progress" until its election timeout (up to the failover timeout) and only then aborts;
     * trusting the flag kept such a group "busy" for seconds after every Sentinel called all its nodes down.
     */
    static String describeFailover(Map<String, String> master, List<Map<String, String>> replicas) {
        String flags = master.getOrDefault("flags", "");
        long notDown = replicas.stream().map(r -> r.getOrDefault("flags", ""))
                .filter(f -> !f.contains("s_down") && !f.contains("o_down")).count();
        boolean masterDown = flags.contains("s_down") || flags.contains("o_down");
        if (masterDown && notDown == 0) {
            return null;
        }
        return "its master does not answer, and its Sentinels answer (master " + master.get("ip") + ":" + master.get("port")
                + ", flags " + flags + ", " + notDown + " replica(s) not down): the group is failing its master over";
    }

    @Override
    public CompletableFuture<Void> shutdown() {
        return client.shutdownAsync(0, 2, TimeUnit.SECONDS);
    }
}
