package io.ptarouter.cluster;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;

import org.apache.camel.CamelContext;
import org.apache.camel.StartupListener;
import org.apache.camel.component.micrometer.MicrometerConstants;
import org.apache.camel.component.micrometer.MicrometerUtils;
import org.apache.camel.component.quartz.QuartzComponent;
import org.apache.camel.health.HealthCheckRegistry;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.ptarouter.config.InvalidConfigurationException;
import io.ptarouter.config.Settings;
import io.ptarouter.health.DeliveryHealth;
import io.ptarouter.health.ReadinessCheck;
import io.ptarouter.pta.PollTracker;
import io.ptarouter.pta.PtaStream;
import io.ptarouter.transport.HttpTransport;

/**
 * Several identical instances on one PostgreSQL (pta.cluster.enabled): Quartz's clustered JDBC store fires each poll
 * on one instance at a time and moves the polls of an instance that stopped checking in to the others; an advisory
 * lock per stream fences a paused instance ({@link AdvisoryLockFence}); the dead-letter replay runs on one instance
 * ({@link ReplayOnOneInstance}). What is shared must be shared: the state in PostgreSQL, an external broker, one
 * file folder. Health ({@code pta-cluster}) and metrics ({@code pta_cluster_node_polling}) say who polls.
 */
public final class ClusterMode {

    private static final Logger LOG = LoggerFactory.getLogger(ClusterMode.class);
    private static final String REPLAY_ROUTE = "pta-replay-dead-letters";

    private ClusterMode() {
    }

    /** Sets cluster mode up if pta.cluster.enabled; refuses, naming the setting to change, what cannot be shared. */
    public static void configureIfEnabled(CamelContext context, Settings settings, PollTracker polls, DeliveryHealth health,
                                          boolean hostDataSource) throws Exception {
        if (!settings.bool("pta.cluster.enabled", false)) {
            return;
        }
        String nodeId = nodeId(settings);
        String url = settings.required("pta.state.jdbc-url");
        if (hostDataSource || !url.startsWith("jdbc:postgresql:")) {
            throw new InvalidConfigurationException("pta.state.jdbc-url", "pta.cluster.enabled=true needs the delivery "
                    + "state in the PostgreSQL all instances share (jdbc:postgresql://host:5432/db), not "
                    + (hostDataSource ? "the host's DataSource" : "an embedded H2 file"));
        }
        boolean jms = settings.bool("pta.sink.jms.enabled", true) || settings.bool("pta.updates.jms.enabled", false);
        if (jms && settings.optional("pta.sink.jms.broker-url").isEmpty()) {
            throw new InvalidConfigurationException("pta.sink.jms.broker-url", "pta.cluster.enabled=true needs the broker "
                    + "all instances share (tcp://host:61616), not the embedded one of each instance");
        }
        Duration checkin = settings.duration("pta.cluster.checkin-interval", Duration.ofSeconds(1));
        Duration fenceTimeout = settings.duration("pta.cluster.fence-timeout", Duration.ofSeconds(5));
        if (checkin.toMillis() < 100 || fenceTimeout.toMillis() < 1000) {
            throw new InvalidConfigurationException(checkin.toMillis() < 100 ? "pta.cluster.checkin-interval"
                    : "pta.cluster.fence-timeout", "expected at least 100ms (check-in) and 1s (fence timeout)");
        }
        Properties credentials = new Properties();
        settings.optional("pta.state.username").ifPresent(user -> credentials.setProperty("user", user));
        String password = settings.secret("pta.state.password");
        if (!password.isEmpty()) {
            credentials.setProperty("password", password);
        }
        createTables(url, credentials);

        QuartzComponent quartz = context.getComponent("quartz", QuartzComponent.class);
        quartz.setProperties(quartzProperties(endingStuckTransactions(url, fenceTimeout), credentials, nodeId, checkin));
        AdvisoryLockFence fence = new AdvisoryLockFence(url, credentials, nodeId, fenceTimeout);
        polls.fence(fence);
        // A stream is healthy while some instance polls it: most polls run elsewhere.
        health.lastSuccessElsewhere(stream -> Optional.ofNullable(
                (Instant) fence.lastPollers().getOrDefault(stream, Map.of()).get("lastSuccessfulPoll")));
        context.addRoutePolicyFactory((camel, routeId, route) ->
                REPLAY_ROUTE.equals(routeId) ? new ReplayOnOneInstance(fence, Duration.ofSeconds(2)) : null);
        HttpTransport transport = context.getRegistry().lookupByNameAndType("ptaTransport", HttpTransport.class);
        if (transport != null) {
            // The PVWA's logs (and a test's simulator) tell the instances apart.
            transport.userAgent("pta-router (node " + nodeId + ")");
        }
        // Readiness details only, never DOWN: this node, and per stream who polled it last and whether this node polls it now.
        context.getRegistry().bind("pta-cluster", new ReadinessCheck("pta-cluster", Clock.systemUTC(), now -> Optional.empty(),
                () -> clusterDetails(nodeId, fence)));
        context.addStartupListener(new StartupListener() {
            @Override
            public void onCamelContextStarted(CamelContext started, boolean alreadyStarted) {
                HealthCheckRegistry checks = HealthCheckRegistry.get(started);
                if (checks != null) {
                    // The replay's consumer runs on one instance: on the others its check would say it never polled.
                    String excluded = checks.getExcludePattern();
                    checks.setExcludePattern((excluded == null || excluded.isBlank() ? "" : excluded + ",")
                                             + "consumer:" + REPLAY_ROUTE);
                }
                MeterRegistry meters = MicrometerUtils.getMeterRegistryFromCamelRegistry(started.getRegistry(),
                        MicrometerConstants.METRICS_REGISTRY_NAME);
                if (meters != null) {
                    for (PtaStream stream : PtaStream.values()) {
                        Gauge.builder("pta.cluster.node.polling", fence, f -> f.polling(stream.id()) ? 1 : 0)
                                .description("1 while this instance is polling the stream").tag("stream", stream.id())
                                .tag("node", nodeId).register(meters);
                    }
                }
            }

            @Override
            public void onCamelContextStarting(CamelContext starting, boolean alreadyStarted) {
            }
        });
        LOG.info("Cluster mode: node {}, Quartz check-in every {} ms, poll locks lost after {} ms without a heartbeat",
                nodeId, checkin.toMillis(), fenceTimeout.toMillis());
    }

    private static Map<String, Object> clusterDetails(String nodeId, AdvisoryLockFence fence) {
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("node", nodeId);
        fence.lastPollers().forEach((stream, poller) -> {
            poller.forEach((key, value) -> details.put(stream + "." + key, value.toString()));
            details.put(stream + ".pollingHere", fence.polling(stream));
        });
        return details;
    }

    /** pta.cluster.node-id, else host name and process id: unique among instances on one or several hosts. */
    static String nodeId(Settings settings) {
        return settings.optional("pta.cluster.node-id").orElseGet(() -> {
            String host;
            try {
                host = InetAddress.getLocalHost().getHostName();
            } catch (UnknownHostException e) {
                host = "localhost";
            }
            return host + "-" + ProcessHandle.current().pid();
        });
    }

    /**
     * The state's URL for the connections that run transactions (Quartz's, the delivery state's): PostgreSQL ends a
     * session left in a transaction for {@code timeout} (idle_in_transaction_session_timeout), so that a paused
     * instance that holds row locks, such as Quartz's cluster lock, does not stop every other instance's scheduler or
     * commits until it resumes. A URL that sets its own {@code options} is left as it is.
     */
    public static String endingStuckTransactions(String url, Duration timeout) {
        if (!url.startsWith("jdbc:postgresql:") || url.contains("options=")) {
            return url;
        }
        return url + (url.contains("?") ? "&" : "?") + "options=-c%20idle_in_transaction_session_timeout%3D" + timeout.toMillis();
    }

    private static void createTables(String url, Properties credentials) {
        try (Connection connection = new org.postgresql.Driver().connect(url, credentials)) {
            QuartzTables.create(connection);
        } catch (SQLException | IOException e) {
            throw new IllegalStateException("cannot create Quartz's tables in the shared state: " + e.getMessage(), e);
        }
    }

    /** Quartz's clustered JDBC store on the state's database, one scheduler name and one context name on every instance. */
    static Map<String, String> quartzProperties(String url, Properties credentials, String nodeId, Duration checkin) {
        Map<String, String> quartz = new LinkedHashMap<>();
        quartz.put("org.quartz.scheduler.instanceName", "pta-router");
        quartz.put("org.quartz.scheduler.instanceId", nodeId);
        quartz.put("org.quartz.scheduler.skipUpdateCheck", "true");
        quartz.put("org.quartz.threadPool.threadCount", "4");
        quartz.put("org.quartz.jobStore.class", "org.quartz.impl.jdbcjobstore.JobStoreTX");
        quartz.put("org.quartz.jobStore.driverDelegateClass", "org.quartz.impl.jdbcjobstore.PostgreSQLDelegate");
        quartz.put("org.quartz.jobStore.isClustered", "true");
        quartz.put("org.quartz.jobStore.clusterCheckinInterval", Long.toString(checkin.toMillis()));
        // camel-quartz fires a missed cron at once: with Quartz's 60 s a poll longer than its period is followed back to back.
        quartz.put("org.quartz.jobStore.misfireThreshold", "1000");
        quartz.put("org.quartz.jobStore.dataSource", "pta");
        quartz.put("org.quartz.dataSource.pta.provider", "hikaricp");
        quartz.put("org.quartz.dataSource.pta.driver", "org.postgresql.Driver");
        quartz.put("org.quartz.dataSource.pta.URL", url);
        quartz.put("org.quartz.dataSource.pta.maxConnections", "4");
        if (credentials.containsKey("user")) {
            quartz.put("org.quartz.dataSource.pta.user", credentials.getProperty("user"));
        }
        if (credentials.containsKey("password")) {
            quartz.put("org.quartz.dataSource.pta.password", credentials.getProperty("password"));
        }
        return quartz;
    }
}
