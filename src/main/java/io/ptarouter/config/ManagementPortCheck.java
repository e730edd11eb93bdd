package io.ptarouter.config;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;

import org.apache.camel.component.platform.http.main.ManagementHttpServer;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpServer;
import org.apache.camel.main.BaseMainSupport;
import org.apache.camel.main.MainListenerSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fails start-up, naming the address and the keys, when health and metrics cannot listen: Camel 4.18's management
 * server throws its bind failure on a Vert.x thread, which only logs it, and carries on printing its URLs.
 */
public final class ManagementPortCheck extends MainListenerSupport {

    private static final Logger LOG = LoggerFactory.getLogger(ManagementPortCheck.class);

    @Override
    public void beforeStart(BaseMainSupport main) {
        ManagementHttpServer server = main.getCamelContext().hasService(ManagementHttpServer.class);
        if (server == null) {
            return; // camel.management.enabled=false
        }
        // A trial bind just before Camel's own, as Vert.x gives Camel no way to learn that its bind failed.
        try (ServerSocket probe = new ServerSocket()) {
            probe.bind(new InetSocketAddress(server.getHost(), server.getPort()));
        } catch (IOException | IllegalArgumentException | SecurityException e) {
            throw new InvalidConfigurationException("camel.management.port", "health and metrics cannot listen on "
                    + server.getHost() + ":" + server.getPort() + " (" + e.getMessage() + "); choose a free port, "
                    + "another camel.management.host, or camel.management.enabled=false");
        }
    }

    @Override
    public void afterStart(BaseMainSupport main) {
        ManagementHttpServer server = main.getCamelContext().hasService(ManagementHttpServer.class);
        VertxPlatformHttpServer http = main.getCamelContext().hasService(VertxPlatformHttpServer.class);
        if (server != null && http != null) {
            // Camel's endpoint summary above prints 0.0.0.0 whatever the address: this line has the one to use.
            LOG.info("health and metrics at http://{}:{}{} and /observe/metrics", server.getHost(), http.getPort(),
                    server.getHealthPath());
        }
    }
}
