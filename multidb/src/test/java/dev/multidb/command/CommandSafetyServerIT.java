package dev.multidb.command;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;

import dev.multidb.command.CommandSafety.Safety;
import dev.multidb.testkit.RedisServer;

/**
 * The safety table checked against the server's own metadata ({@code COMMAND}): what the table calls read-only the
 * server flags {@code readonly}, what it calls idempotent the server flags {@code write}, and a read-only command
 * the server knows but the table does not is listed here with a reason. Commands the server does not know (Redis 8
 * commands, RedisJSON) are skipped: the server in use may be older.
 *
 * <p>Container commands (OBJECT, XINFO, …) carry their flags on their subcommands from Redis 7 on; the table
 * classifies by the container's name, so a container counts as read-only when every subcommand but HELP is
 * (Redis 6.2 flags the container itself).
 */
class CommandSafetyServerIT {

    /** Read-only in the table although the server does not flag them {@code readonly}, and why that is right. */
    static final Map<String, String> READ_ONLY_WITHOUT_THE_FLAG = Map.of(
            "PING", "connection check: flagged fast, touches no key",
            "ECHO", "connection check: flagged fast, touches no key",
            "INFO", "server introspection: flagged loading/stale, touches no key",
            "TIME", "server clock: flagged fast, touches no key",
            "LASTSAVE", "server introspection: flagged fast, touches no key",
            "ROLE", "server introspection: flagged noscript/fast, touches no key",
            "COMMAND", "command metadata: every subcommand is flagged loading/stale only",
            "PUBSUB", "subscription introspection: every subcommand is flagged pubsub/loading/stale only");

    /** Flagged {@code readonly} by the server (on the command or a subcommand) but deliberately not READ_ONLY. */
    static final Map<String, String> DELIBERATELY_UNCLASSIFIED = Map.of(
            "MEMORY", "only MEMORY USAGE is read-only; MEMORY PURGE acts on the allocator, and the table classifies by"
                    + " command name, not subcommand");

    /** Idempotent with some arguments only (see {@link CommandSafetyTest}); writes all the same. */
    static final Set<String> ARGUMENT_DEPENDENT = Set.of("SET", "ZADD", "XADD", "JSON.SET");

    private static RedisServer server;
    private static final Map<String, Set<String>> FLAGS = new HashMap<>();
    private static final Map<String, Map<String, Set<String>>> SUBCOMMANDS = new HashMap<>();

    @BeforeAll
    static void readTheServersMetadata() {
        server = RedisServer.start();
        RedisClient client = RedisClient.create(server.uri());
        try (StatefulRedisConnection<String, String> connection = client.connect()) {
            for (Object entry : connection.sync().command()) {
                List<?> command = (List<?>) entry;
                String name = text(command.get(0));
                FLAGS.put(name, strings(command.get(2)));
                Map<String, Set<String>> subs = new HashMap<>();
                if (command.size() > 9 && command.get(9) instanceof Collection<?> subcommands) {
                    for (Object sub : subcommands) {
                        List<?> subcommand = (List<?>) sub;
                        subs.put(text(subcommand.get(0)), strings(subcommand.get(2)));
                    }
                }
                SUBCOMMANDS.put(name, subs);
            }
        } finally {
            client.shutdown();
        }
    }

    @AfterAll
    static void stopServer() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void theServerReportedItsCommands() {
        assertThat(FLAGS).containsKeys("GET", "SET", "OBJECT").hasSizeGreaterThan(150);
    }

    @Test
    void everyReadOnlyCommandIsFlaggedReadonlyByTheServerOrAListedException() {
        List<String> checked = new ArrayList<>();
        List<String> misfiled = new ArrayList<>();
        for (String name : CommandSafety.readOnlyCommands()) {
            if (!FLAGS.containsKey(name)) {
                continue; // newer than this server, or a module command
            }
            checked.add(name);
            if (!isReadOnly(name) && !READ_ONLY_WITHOUT_THE_FLAG.containsKey(name)) {
                misfiled.add(name + " " + describe(name));
            }
        }
        assertThat(misfiled).as("READ_ONLY in the table, not readonly per the server").isEmpty();
        assertThat(checked).hasSizeGreaterThan(80);
    }

    @Test
    void noReadOnlyCommandIsFlaggedWriteByTheServer() {
        List<String> writes = new ArrayList<>();
        for (String name : CommandSafety.readOnlyCommands()) {
            if (FLAGS.containsKey(name) && hasAnywhere(name, "write")) {
                writes.add(name + " " + describe(name));
            }
        }
        assertThat(writes).isEmpty();
    }

    @Test
    void theExceptionsAreInTheTableAndChangeNothing() {
        for (String name : READ_ONLY_WITHOUT_THE_FLAG.keySet()) {
            assertThat(CommandSafety.classify(CommandSafetyTest.keyword(name), null)).as(name).isEqualTo(Safety.READ_ONLY);
            assertThat(FLAGS).as(name).containsKey(name);
            assertThat(hasAnywhere(name, "write") || hasAnywhere(name, "admin")).as(name + " " + describe(name)).isFalse();
        }
        for (String name : DELIBERATELY_UNCLASSIFIED.keySet()) {
            assertThat(CommandSafety.classify(CommandSafetyTest.keyword(name), null)).as(name).isEqualTo(Safety.UNSAFE);
        }
    }

    @Test
    void everyIdempotentCommandIsFlaggedWriteByTheServer() {
        List<String> checked = new ArrayList<>();
        List<String> notWrites = new ArrayList<>();
        List<String> names = new ArrayList<>(CommandSafety.idempotentCommands());
        names.addAll(ARGUMENT_DEPENDENT);
        for (String name : names) {
            if (!FLAGS.containsKey(name)) {
                continue;
            }
            checked.add(name);
            if (!FLAGS.get(name).contains("write")) {
                notWrites.add(name + " " + describe(name));
            }
        }
        assertThat(notWrites).as("IDEMPOTENT in the table, not a write per the server").isEmpty();
        assertThat(checked).hasSizeGreaterThan(20);
    }

    @Test
    void everyReadOnlyCommandTheServerKnowsIsInTheTableOrDeliberatelyUnclassified() {
        org.junit.jupiter.api.Assumptions.assumeTrue(RedisServer.supportsRedis7(), "the table is checked against Redis 7's"
                + " command list; Redis 6.2 has read-only commands 7 removed (STRALGO, HOST:, POST), which are left out");
        Set<String> missed = new TreeSet<>();
        for (String name : FLAGS.keySet()) {
            boolean readonly = FLAGS.get(name).contains("readonly")
                    || SUBCOMMANDS.get(name).values().stream().anyMatch(flags -> flags.contains("readonly"));
            if (readonly && !CommandSafety.readOnlyCommands().contains(name) && !DELIBERATELY_UNCLASSIFIED.containsKey(name)) {
                missed.add(name + " " + describe(name));
            }
        }
        assertThat(missed).as("read-only per the server, unknown to the table").isEmpty();
    }

    @Test
    void everyWriteTheServerKnowsIsIdempotentOnlyIfTheTableSaysSo() {
        // The other direction of (c): a write the table does not list is never read-only nor idempotent by accident.
        List<String> wrong = new ArrayList<>();
        for (String name : FLAGS.keySet()) {
            if (FLAGS.get(name).contains("write") && !CommandSafety.idempotentCommands().contains(name)
                    && !ARGUMENT_DEPENDENT.contains(name)) {
                Safety safety = CommandSafety.classify(CommandSafetyTest.keyword(name), null);
                if (safety != Safety.UNSAFE) {
                    wrong.add(name + " is " + safety);
                }
            }
        }
        assertThat(wrong).isEmpty();
    }

    /** Flagged readonly itself, or a container whose every subcommand but HELP is. */
    private static boolean isReadOnly(String name) {
        if (FLAGS.get(name).contains("readonly")) {
            return true;
        }
        Map<String, Set<String>> subs = SUBCOMMANDS.get(name);
        return !subs.isEmpty() && subs.entrySet().stream()
                .filter(sub -> !sub.getKey().endsWith("|HELP"))
                .allMatch(sub -> sub.getValue().contains("readonly"));
    }

    private static boolean hasAnywhere(String name, String flag) {
        return FLAGS.get(name).contains(flag) || SUBCOMMANDS.get(name).values().stream().anyMatch(flags -> flags.contains(flag));
    }

    private static String describe(String name) {
        return FLAGS.get(name) + (SUBCOMMANDS.get(name).isEmpty() ? "" : " " + SUBCOMMANDS.get(name));
    }

    private static String text(Object value) {
        String text = value instanceof byte[] bytes ? new String(bytes, java.nio.charset.StandardCharsets.UTF_8) : String.valueOf(value);
        return text.toUpperCase(Locale.ROOT);
    }

    private static Set<String> strings(Object value) {
        Set<String> set = new TreeSet<>();
        if (value instanceof Collection<?> values) {
            for (Object v : values) {
                set.add(text(v).toLowerCase(Locale.ROOT));
            }
        }
        return set;
    }
}
