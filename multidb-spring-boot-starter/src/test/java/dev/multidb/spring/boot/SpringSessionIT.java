package dev.multidb.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.session.Session;
import org.springframework.session.SessionRepository;

import dev.multidb.MultiDbClient;
import dev.multidb.testkit.RedisServer;

/**
 * Spring Session's Redis repository, auto-configured by Spring Boot, on multidb: sessions are
 * created, saved and found under load while the primary is killed, without a failed call.
 */
class SpringSessionIT {

    private final RedisServer primary = RedisServer.start();
    private final RedisServer secondary = RedisServer.start();
    private ConfigurableApplicationContext context;

    @AfterEach
    void stop() {
        if (context != null) {
            context.close();
        }
        primary.close();
        secondary.close();
    }

    @Test
    @SuppressWarnings({ "unchecked", "rawtypes" })
    void sessionsAreSavedAndFoundThroughAKill() throws Exception {
        context = BootApps.start(primary, secondary, "spring.session.data.redis.namespace=demo");
        SessionRepository<Session> sessions = context.getBean(SessionRepository.class);
        Session first = sessions.createSession();
        first.setAttribute("user", "alice");
        sessions.save(first);
        assertThat(sessions.findById(first.getId()).<String>getAttribute("user")).isEqualTo("alice");
        assertThat(primary.command("KEYS", "demo:*")).contains(first.getId());

        List<String> savedAfterKill = new ArrayList<>();
        MultiDbClient<byte[], byte[]> client = context.getBean(MultiDbClient.class);
        Load load = new Load("sessions", 2, Duration.ofSeconds(60), (t, i) -> {
            long changes = client.activeDatabaseChanges();
            String before = active();
            Session s = sessions.createSession();
            s.setAttribute("n", t + "-" + i);
            sessions.save(s);
            Session found = sessions.findById(s.getId());
            // These databases do not replicate: a session saved on one is found there only.
            boolean oneDatabase = before != null && before.equals(active()) && client.activeDatabaseChanges() == changes;
            if (oneDatabase) {
                assertThat(found).as("session just saved").isNotNull();
                assertThat(found.<String>getAttribute("n")).isEqualTo(t + "-" + i);
            }
            if (oneDatabase && "secondary".equals(before)) {
                synchronized (savedAfterKill) {
                    savedAfterKill.add(s.getId());
                }
            }
        });
        try {
            long before = load.succeeded.get();
            await().atMost(Duration.ofSeconds(10)).until(() -> load.succeeded.get() > before + 100);
            primary.kill();
            await().atMost(Duration.ofSeconds(10)).until(() -> "secondary".equals(active()));
            await().atMost(Duration.ofSeconds(10)).until(() -> {
                synchronized (savedAfterKill) {
                    return savedAfterKill.size() > 100;
                }
            });
        } finally {
            load.close();
        }
        assertThat(load.failures.stream().map(SpringSessionIT::causes).toList()).as("session calls that failed on kill")
                .isEmpty();
        String last;
        synchronized (savedAfterKill) {
            last = savedAfterKill.get(savedAfterKill.size() - 1);
        }
        assertThat(secondary.command("KEYS", "demo:*")).contains(last);
    }

    @SuppressWarnings("unchecked")
    private String active() {
        MultiDbClient<byte[], byte[]> client = context.getBean(MultiDbClient.class);
        return client.activeDatabase() == null ? null : client.activeDatabase().name();
    }

    /** An error and its causes, messages included: what failed and why, in the test report. */
    private static String causes(Throwable error) {
        StringBuilder chain = new StringBuilder();
        for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
            chain.append(chain.length() == 0 ? "" : " <- ").append(t.getClass().getSimpleName()).append(": ").append(t.getMessage());
        }
        return chain.toString();
    }
}
