package dev.multidb.examples.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;

/** The example starts with its own servers, says which database serves it, and follows a kill. */
class DemoApplicationTest {

    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void showsWhichDatabaseServesItBeforeAndAfterTheprimaryIsKilled() throws Exception {
        try (ConfigurableApplicationContext context = DemoApplication.run("--server.port=0", "--server.address=127.0.0.1")) {
            String base = "http://127.0.0.1:" + context.getEnvironment().getRequiredProperty("local.server.port");
            assertThat(get(base + "/")).contains("\"servedBy\":\"primary\"");
            assertThat(post(base + "/demo/primary/kill")).isEqualTo(200);
            await().atMost(Duration.ofSeconds(10)).until(() -> get(base + "/").contains("\"servedBy\":\"secondary\""));
            assertThat(get(base + "/actuator/health/multidb")).contains("\"status\":\"UP\"", "\"active\":\"secondary\"");
        }
    }

    private String get(String url) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString()).body();
    }

    private int post(String url) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url)).POST(HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString()).statusCode();
    }
}
