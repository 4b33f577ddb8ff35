package dev.multidb.spring.boot;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/** Reads {@code /actuator/health/multidb} over HTTP, as a load balancer or an operator would. */
final class ActuatorHealth {

    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final int port;

    ActuatorHealth(int port) {
        this.port = port;
    }

    /** The HTTP status and the body of the multidb health component. */
    record Reading(int httpStatus, JsonNode body) {
        String status() {
            return body.path("status").asText();
        }

        String active() {
            return body.path("details").path("active").asText();
        }

        JsonNode database(String name) {
            return body.path("details").path("databases").path(name);
        }
    }

    Reading read() {
        try {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + port + "/actuator/health/multidb")).timeout(Duration.ofSeconds(5)).build(),
                    HttpResponse.BodyHandlers.ofString());
            return new Reading(response.statusCode(), JSON.readTree(response.body()));
        } catch (Exception e) {
            throw new AssertionError("could not read the health endpoint", e);
        }
    }
}
