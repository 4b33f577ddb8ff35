package dev.multidb.examples.boot;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.support.GenericApplicationContext;

/**
 * A web application whose Redis is multidb. Unless {@code multidb.databases[0].url} is given, it
 * starts two local redis-servers first (a primary, weight 1, and a secondary, weight 0.5), so it
 * runs anywhere a JDK does. Open http://localhost:8080/ to see which database serves the request,
 * POST /demo/primary/kill and /demo/primary/restore to watch it fail over and fall back, and
 * /actuator/health/multidb for the health of every database.
 */
@SpringBootApplication
public class DemoApplication {

    public static void main(String[] args) {
        run(args);
    }

    /** Starts the application (and the demo servers when no database is configured); closing the context stops them. */
    public static ConfigurableApplicationContext run(String... args) {
        DemoServers servers = DemoServers.startUnlessConfigured(args);
        SpringApplication app = new SpringApplication(DemoApplication.class);
        if (servers != null) {
            app.setDefaultProperties(servers.properties());
            // A bean (not a bare singleton) so that the context closes it, after the client that uses the servers.
            app.addInitializers(context -> ((GenericApplicationContext) context).registerBean("demoServers", DemoServers.class, () -> servers));
        }
        try {
            return app.run(args);
        } catch (RuntimeException | Error e) {
            if (servers != null) {
                servers.close();
            }
            throw e;
        }
    }
}
