package dev.multidb.examples.boot;

import java.util.LinkedHashMap;
import java.util.Map;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;

import dev.multidb.Database;
import dev.multidb.MultiDbClient;

/** Shows which database served the request; lets the demo kill and restore its primary. */
@RestController
public class DemoController {

    private final StringRedisTemplate redis;
    private final MultiDbClient<byte[], byte[]> client;
    private final ObjectProvider<DemoServers> servers;

    public DemoController(StringRedisTemplate redis, MultiDbClient<byte[], byte[]> client, ObjectProvider<DemoServers> servers) {
        this.redis = redis;
        this.client = client;
        this.servers = servers;
    }

    /**
     * Counts the visit in Redis and says which database served it. The client's switch count is
     * read before and after (in the order its Javadoc gives): when it did not change, that one
     * database served the call.
     */
    @GetMapping("/")
    public Map<String, Object> visit() {
        long changesBefore = client.activeDatabaseChanges();
        Database before = client.activeDatabase();
        Long visits = redis.opsForValue().increment("demo:visits");
        Database after = client.activeDatabase();
        boolean stable = client.activeDatabaseChanges() == changesBefore && before == after;
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("servedBy", stable && after != null ? after.name() : "switched during the call");
        body.put("visitsOnThatDatabase", visits);
        Map<String, Object> databases = new LinkedHashMap<>();
        for (Database db : client.databases()) {
            databases.put(db.name(), Map.of("weight", db.weight(), "circuit", db.circuitState().name(), "healthy", db.isHealthy()));
        }
        body.put("databases", databases);
        return body;
    }

    @PostMapping("/demo/primary/kill")
    public ResponseEntity<String> kill() {
        DemoServers demo = servers.getIfAvailable();
        if (demo == null) {
            return ResponseEntity.status(409).body("the demo's own servers are not in use\n");
        }
        demo.killPrimary();
        return ResponseEntity.ok("primary killed\n");
    }

    @PostMapping("/demo/primary/restore")
    public ResponseEntity<String> restore() {
        DemoServers demo = servers.getIfAvailable();
        if (demo == null) {
            return ResponseEntity.status(409).body("the demo's own servers are not in use\n");
        }
        demo.restorePrimary();
        return ResponseEntity.ok("primary restarted\n");
    }
}
