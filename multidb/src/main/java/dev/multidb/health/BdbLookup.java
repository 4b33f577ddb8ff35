package dev.multidb.health;

import java.io.IOException;
import java.util.function.Predicate;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Finds a database's bdb uid in the Redis Enterprise REST API's {@code GET /v1/bdbs?fields=uid,endpoints} answer:
 * the bdb with an endpoint whose {@code port} is the database's port and whose {@code dns_name} is its host
 * (case-insensitively), else one whose {@code addr[]} holds the host. Host and port, because the databases of one
 * cluster share its addresses and differ by port. An endpoint without a {@code port} field matches by host alone.
 */
final class BdbLookup {

    private static final ObjectMapper JSON = new ObjectMapper();

    private BdbLookup() {
    }

    /**
     * The uid of the bdb serving {@code host:port}.
     *
     * @throws RestApiException if the answer is not a JSON array of bdbs, or no bdb matches
     */
    static String findUid(byte[] body, int statusCode, String base, String path, String host, int port, String dbName) {
        JsonNode bdbs;
        try {
            bdbs = JSON.readTree(body);
        } catch (IOException e) {
            String why = e instanceof JsonProcessingException j ? j.getOriginalMessage() : e.toString();
            throw new RestApiException(statusCode, "GET " + path + " at " + base + " did not answer JSON: " + why, null);
        }
        if (bdbs == null || !bdbs.isArray()) {
            throw new RestApiException(statusCode, "GET " + path + " at " + base + " did not answer a JSON array of bdbs", null);
        }
        String uid = match(bdbs, e -> samePort(e, port) && host.equalsIgnoreCase(e.path("dns_name").asText("")));
        if (uid == null) {
            uid = match(bdbs, e -> samePort(e, port) && contains(e.path("addr"), host));
        }
        if (uid == null) {
            throw new RestApiException(statusCode, "unknown bdb: none of the " + bdbs.size() + " bdbs at " + base
                    + " has an endpoint whose dns_name or addr is '" + host + "' on port " + port + " (database '" + dbName
                    + "', " + host + ":" + port + ")", null);
        }
        return uid;
    }

    private static boolean samePort(JsonNode endpoint, int port) {
        JsonNode value = endpoint.path("port");
        return value.isMissingNode() || value.isNull() || value.asInt(-1) == port;
    }

    private static String match(JsonNode bdbs, Predicate<JsonNode> endpointMatches) {
        for (JsonNode bdb : bdbs) {
            for (JsonNode endpoint : bdb.path("endpoints")) {
                if (endpointMatches.test(endpoint) && !bdb.path("uid").isMissingNode()) {
                    return bdb.path("uid").asText();
                }
            }
        }
        return null;
    }

    private static boolean contains(JsonNode addresses, String host) {
        for (JsonNode address : addresses) {
            if (host.equalsIgnoreCase(address.asText())) {
                return true;
            }
        }
        return false;
    }
}
