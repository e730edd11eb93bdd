package io.ptarouter.config;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.function.Function;

import javax.sql.DataSource;

import org.apache.activemq.artemis.jms.client.ActiveMQConnectionFactory;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.Predicate;
import org.apache.camel.Processor;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.component.jms.JmsComponent;
import org.apache.camel.health.HealthCheck;
import org.apache.camel.spi.Registry;
import org.apache.camel.support.PluginHelper;
import org.apache.camel.support.service.ServiceSupport;
import org.messaginghub.pooled.jms.JmsPoolConnectionFactory;
import org.quartz.CronExpression;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;

import io.ptarouter.auth.CachedTokenProvider;
import io.ptarouter.auth.IdentityTokenProvider;
import io.ptarouter.auth.PvwaTokenProvider;
import io.ptarouter.auth.Reauthorize;
import io.ptarouter.health.DeliveryHealth;
import io.ptarouter.pta.AnswerCheck;
import io.ptarouter.pta.AnswerLimits;
import io.ptarouter.pta.HandBackToPoll;
import io.ptarouter.pta.EventHandover;
import io.ptarouter.pta.PollTracker;
import io.ptarouter.pta.PtaStream;
import io.ptarouter.pta.RiskEventsQuery;
import io.ptarouter.pta.RiskPageReader;
import io.ptarouter.pta.SecurityEventReader;
import io.ptarouter.pta.SecurityEventsQuery;
import io.ptarouter.pta.TransientFailures;
import io.ptarouter.routing.EventClassifier;
import io.ptarouter.routing.SeverityBands;
import io.ptarouter.sink.DeadLetters;
import io.ptarouter.sink.DeliveryFailures;
import io.ptarouter.sink.CefRecords;
import io.ptarouter.sink.EmailComposer;
import io.ptarouter.sink.EmailDigests;
import io.ptarouter.sink.EmbeddedBroker;
import io.ptarouter.sink.FilePermissions;
import io.ptarouter.sink.JmsBatches;
import io.ptarouter.sink.SyslogBatches;
import io.ptarouter.sink.MailTransportPool;
import io.ptarouter.sink.MessageTemplate;
import io.ptarouter.sink.NdjsonFiles;
import io.ptarouter.sink.OcsfRecords;
import io.ptarouter.sink.SinkBody;
import io.ptarouter.sink.SplunkHec;
import io.ptarouter.sink.RejectedEvents;
import io.ptarouter.sink.SinkBreakers;
import io.ptarouter.sink.SinkLanes;
import io.ptarouter.sink.WebhookRequest;
import io.ptarouter.state.DeliveryStore;
import io.ptarouter.state.JdbcDeliveryStore;
import io.ptarouter.state.Watermarks;
import io.ptarouter.transport.HttpTransport;
import io.ptarouter.transport.HttpTransport.TransportSettings;
import io.ptarouter.transport.TlsTrust;
import io.ptarouter.transport.TlsTrust.TrustSettings;
import io.ptarouter.update.EventUpdates;
import io.ptarouter.update.UpdateToken;

/**
 * Builds, from {@code application.properties}, every bean the YAML routes refer to, and checks
 * every setting first so a wrong one stops start-up with a message naming the key. Camel Main runs
 * it; to embed the routes in another CamelContext, call {@link #configure(CamelContext)} on that
 * context before loading the routes.
 */
public final class PtaRouterConfiguration implements CamelConfiguration {

    private static final Logger LOG = LoggerFactory.getLogger(PtaRouterConfiguration.class);
    /** How long a stop waits for a sweep of old delivery records to end before the delivery store closes. */
    private static final Duration SWEEP_AT_STOP = Duration.ofSeconds(30);
    /** The schemes the Artemis client reads (its ConnectionFactoryParser). */
    private static final List<String> BROKER_SCHEMES = List.of("tcp", "vm", "udp", "jgroups");
    /** The routes the Kamelets call (kamelets/shared/): the sources, and the update sink (pta-patch). */
    static final java.util.Set<String> SHARED_ROUTES = java.util.Set.of("pta-get", "pta-call", "pta-patch", "pta-reject-event");

    private final Clock clock;

    public PtaRouterConfiguration() {
        this(Clock.systemUTC());
    }

    public PtaRouterConfiguration(Clock clock) {
        this.clock = clock;
    }

    @Override
    public void configure(CamelContext context) throws Exception {
        Settings settings = Settings.of(context.getPropertiesComponent());
        FilePermissions files = filePermissions(settings);
        new DemoEnvironment().startIfEnabled(context, settings, files);
        PollTracker.Policy policy = sources(context, settings, files, true).policy();
        configureSinks(context, settings, files, policy);
    }

    /**
     * What the PTA source Kamelets need, and only that: the PVWA session, the delivery state, the poll
     * tracker, the queries and readers, the classifier and the rejected-events file, with the routes they
     * call (kamelets/shared/). Run once per CamelContext, by the first source Kamelet a host loads
     * ({@link PtaSources}), with that instance's parameters over the pta.* settings: no broker, mail pool,
     * webhook lane or demo is built, and readiness lists only the streams the instances poll.
     */
    PtaSources.Instances configureSources(CamelContext context, Settings settings) throws Exception {
        return sources(context, settings, filePermissions(settings), false).instances();
    }

    private record Sources(PollTracker.Policy policy, PtaSources.Instances instances) {
    }

    /** {@code app}: for the whole app (readiness for the streams and sinks its settings enable), else for a host. */
    private Sources sources(CamelContext context, Settings settings, FilePermissions files, boolean app) throws Exception {
        Registry registry = context.getRegistry();
        String baseUrl = baseUrl(settings);
        HttpTransport ptaTransport = new HttpTransport("the PVWA at " + baseUrl, ptaTransportSettings(settings),
                positive(settings, "pta.http.answer-timeout", Duration.ofMinutes(10)), "pta.http.answer-timeout");
        CachedTokenProvider tokens = tokenProvider(settings, baseUrl, ptaTransport);
        // Camel stops services in reverse order: the logoff runs while the transport is still open.
        closeOnStop(context, ptaTransport);
        context.addService(tokens, true);
        registry.bind("ptaTransport", ptaTransport);
        registry.bind("ptaTokens", tokens);
        registry.bind("ptaReauthorize", new Reauthorize(tokens));
        // Transient failures of PTA calls are tried again (routes/pta-client.camel.yaml).
        Duration retryDelay = settings.duration("pta.http.retry-delay", Duration.ofSeconds(1));
        Duration maxRetryDelay = settings.duration("pta.http.max-retry-delay", Duration.ofSeconds(30));
        if (retryDelay.isZero() || retryDelay.compareTo(maxRetryDelay) > 0) {
            throw new InvalidConfigurationException("pta.http.retry-delay", "expected more than 0 and at most "
                    + "pta.http.max-retry-delay (" + maxRetryDelay.toMillis() + " ms), got " + retryDelay.toMillis() + " ms");
        }
        registry.bind("ptaRetries", new TransientFailures(
                settings.integer("pta.http.max-retries", 3, 0, 100), retryDelay, maxRetryDelay, clock));
        registry.bind("ptaHandBackToPoll", new HandBackToPoll());
        registry.bind("ptaAnswerCheck", new AnswerCheck());
        AnswerLimits limits = new AnswerLimits(
                (int) size(settings, "pta.events.max-event-size", AnswerLimits.DEFAULT.maxEventBytes(), 1024, 256L << 20),
                size(settings, "pta.events.max-answer-size", AnswerLimits.DEFAULT.maxAnswerBytes(), 1024, Long.MAX_VALUE),
                settings.integer("pta.events.max-per-poll", (int) AnswerLimits.DEFAULT.maxEventsPerPoll(), 1, Integer.MAX_VALUE));

        Optional<DataSource> hostDataSource = hostDataSource(context);
        Optional<Path> h2File = hostDataSource.isPresent() ? Optional.empty() : h2File(settings.required("pta.state.jdbc-url"));
        h2File.ifPresent(file -> files.prepareDirectory(file.getParent()));
        DeliveryStore store = deliveryStore(hostDataSource, settings);
        h2File.ifPresent(file -> files.restrict(Path.of(file + ".mv.db"))); // H2 creates it with the umask's mode
        closeOnStop(context, store);
        registry.bind("ptaDeliveryStore", store);
        registry.bind("ptaWatermarks", store);
        Path deadLetterDirectory = Path.of(settings.string("pta.delivery.dead-letter-directory", "data/dead-letter"));
        // Before the replay route's file consumer creates replay/ in it with the umask's mode.
        files.prepareDirectory(deadLetterDirectory);
        DeadLetters deadLetters = new DeadLetters(deadLetterDirectory, files);
        registry.bind("ptaDeadLetters", deadLetters);
        PollTracker.Policy policy = deliveryPolicy(settings);
        SinkBreakers breakers = sinkBreakers(settings);
        DeliveryHealth health = deliveryHealth(context, settings, breakers, store, app);
        PollTracker polls = new PollTracker(store, policy, deadLetters, breakers, health, clock);
        // Stopped after the routes and before the store, which was added first: not a bean of the routes,
        // which Camel would stop with them on the thread its shutdown timeout interrupts.
        context.addService(new ServiceSupport() {
            @Override
            protected void doStop() {
                polls.recordAbandonedPolls();
                if (!polls.awaitSweep(SWEEP_AT_STOP)) {
                    LOG.warn("the sweep of delivery records past the retention did not end within {} s; stopping anyway",
                            SWEEP_AT_STOP.toSeconds());
                }
            }
        }, true);
        registry.bind("ptaPolls", polls);
        io.ptarouter.cluster.ClusterMode.configureIfEnabled(context, settings, polls, health, hostDataSource.isPresent());
        registry.bind("ptaRequireLease", (Processor) polls::requireLease);
        Watermarks watermarks = store;
        registry.bind("ptaSecurityEventsQuery", securityEventsQuery(settings, watermarks, policy.overlap()));
        registry.bind("ptaSecurityEventReader", new SecurityEventReader(limits));
        registry.bind("ptaRiskEventsQuery", new RiskEventsQuery(watermarks, policy.overlap(),
                settings.optional("pta.risk-events.filter"), settings.optional("pta.risk-events.sort"),
                settings.integer("pta.risk-events.page-size", 100, 1, 1000),
                settings.bool("pta.risk-events.detection-time-filter", false)));
        registry.bind("ptaRiskPageReader", new RiskPageReader(settings.integer("pta.risk-events.max-pages", 100, 1, 100_000),
                limits));
        // Settings only the routes read are checked here too, so a bad value fails start-up naming its key.
        settings.bool("pta.security-events.enabled", true);
        settings.bool("pta.risk-events.enabled", true);
        cron(settings, "pta.security-events.cron");
        cron(settings, "pta.risk-events.cron");

        EventClassifier classifier = new EventClassifier(severityBands(settings), clock, maxClockSkew(settings));
        // Each event's one step around its destination: classified, accepted, handed over, its outcome recorded.
        registry.bind("ptaHandover", new EventHandover(polls, classifier::classify));
        registry.bind("ptaRejectedEvents", new RejectedEvents());
        files.closeDirectory(Path.of(settings.required("pta.sink.rejected.directory")));
        for (String shared : List.of("pta-client", "pta-reject-event")) {
            PluginHelper.getRoutesLoader(context).loadRoutes(PluginHelper.getResourceLoader(context)
                    .resolveResource("classpath:kamelets/shared/" + shared + ".camel.yaml"));
        }
        PtaSources.Instances instances = new PtaSources.Instances(settings, health::watch);
        if (app) {
            health.streams().forEach(instances::polledByTheApp);
        }
        registry.bind(PtaSources.INSTANCES, instances);
        return new Sources(policy, instances);
    }

    /** The app's router and sinks: what routes/dispatch.camel.yaml and routes/sinks.camel.yaml use. */
    private void configureSinks(CamelContext context, Settings settings, FilePermissions files, PollTracker.Policy policy)
            throws Exception {
        Registry registry = context.getRegistry();
        PollTracker polls = registry.lookupByNameAndType("ptaPolls", PollTracker.class);
        // Every sink's settings are checked; only the enabled sinks' beans are built (their routes' steps are disabled
        // or their routes not made otherwise, routes/sinks.camel.yaml), so nothing starts that no route uses.
        Map<String, String> claims = Map.of("file", "ptaClaimForFile", "jms", "ptaClaimForJms", "email", "ptaClaimForEmail",
                "webhook", "ptaClaimForWebhook", SyslogBatches.SINK, "ptaSyslogClaim");
        for (String sink : SINKS) {
            if (sinkEnabled(settings, sink)) {
                registry.bind(claims.get(sink), (Predicate) exchange -> polls.claim(exchange, sink));
            }
        }
        settings.number("pta.routing.min-score", 0, -1_000_000, 1_000_000);
        registry.bind("ptaDeliveryFailures", new DeliveryFailures(settings.integer("pta.sink.max-redeliveries", 2, 0, 100),
                settings.duration("pta.sink.max-redelivery-delay", Duration.ofSeconds(10))));

        settings.duration("pta.sink.redelivery-delay", Duration.ofMillis(500));
        OcsfRecords ocsf = new OcsfRecords(settings.string("pta.sink.syslog.pta-version", "13.0"), eventLink(settings));
        SinkBody.Format fileBody = SinkBody.Format.of(settings.oneOf("pta.sink.file.body-format", "envelope", "envelope", "ocsf"));
        SinkBody.Format jmsBody = SinkBody.Format.of(settings.oneOf("pta.sink.jms.body-format", "envelope", "envelope", "ocsf"));
        Path eventDirectory = Path.of(settings.required("pta.sink.file.directory"));
        if (sinkEnabled(settings, "file")) {
            files.closeDirectory(eventDirectory);
            registry.bind("ptaNdjsonFiles", new NdjsonFiles(eventDirectory, files, clock,
                    // After a crash, two checkpoints may be unrecorded: one being recorded, one still open.
                    Math.max(10_000, 4 * policy.checkpointEvents()), settings.bool("pta.cluster.enabled", false),
                    new SinkBody(fileBody, ocsf, null)));
        }
        configureJms(context, settings, files, new SinkBody(jmsBody, ocsf, null));
        configureEmail(context, settings);
        configureWebhook(context, settings, ocsf);
        configureSyslog(context, settings);
        configureUpdates(context, settings);
    }

    /** The update sink's steps, always (a host may use the Kamelet alone), and the HTTP endpoint's token check. */
    private static void configureUpdates(CamelContext context, Settings settings) {
        settings.bool("pta.updates.close-reason", true);
        settings.bool("pta.updates.jms.enabled", false);
        settings.required("pta.updates.jms.queue");
        context.getRegistry().bind("ptaEventUpdates", new EventUpdates(new ObjectMapper()));
        if (settings.bool("pta.updates.http.enabled", false)) {
            String token = settings.secret("pta.updates.http.token");
            // An endpoint switched on that silently is not there would be worse than one that stops start-up.
            if (token.length() < 16) {
                throw new InvalidConfigurationException("pta.updates.http.token", "pta.updates.http.enabled is true: "
                        + "set a token of at least 16 characters (PTA_UPDATES_HTTP_TOKEN), e.g. openssl rand -hex 32");
            }
            context.getRegistry().bind("ptaUpdateToken", new UpdateToken(token));
        }
    }

    private static String baseUrl(Settings settings) {
        String baseUrl = settings.required("pta.base-url");
        URI uri = parseUri("pta.base-url", baseUrl);
        if (!"https".equals(uri.getScheme()) && !"http".equals(uri.getScheme()) || uri.getHost() == null) {
            throw new InvalidConfigurationException("pta.base-url", "expected https://<pvwa-host>, got '" + baseUrl + "'");
        }
        if (uri.getPath() != null && uri.getPath().contains("PasswordVault")) {
            throw new InvalidConfigurationException("pta.base-url",
                    "give the PVWA address only (https://<pvwa-host>), without /PasswordVault");
        }
        requireTls(settings, "pta.base-url", uri);
        return baseUrl.replaceAll("/+$", "");
    }

    /**
     * The logon's password, the client secret and every session token would cross the network in clear
     * over http: allowed only when pta.http.allow-plain-http says so, and then only to this machine.
     */
    private static void requireTls(Settings settings, String key, URI uri) {
        boolean allowed = settings.bool("pta.http.allow-plain-http", false);
        if (!"http".equalsIgnoreCase(uri.getScheme())) {
            return;
        }
        if (!allowed) {
            throw new InvalidConfigurationException(key, "plain http would send the password and the session token in "
                    + "clear: use https://, or for a PVWA on this machine (loopback) set pta.http.allow-plain-http=true");
        }
        if (!isLoopback(uri.getHost())) {
            throw new InvalidConfigurationException(key, "pta.http.allow-plain-http allows plain http to this machine only "
                    + "(localhost, 127.0.0.1, ::1), not to host '" + uri.getHost() + "': use https://");
        }
    }

    /** By name or literal address only: a DNS answer could change after start-up. */
    private static boolean isLoopback(String host) {
        if (host == null) {
            return false;
        }
        if (host.equalsIgnoreCase("localhost")) {
            return true;
        }
        String literal = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        if (!literal.contains(":") && !literal.matches("\\d{1,3}(\\.\\d{1,3}){3}")) {
            return false;
        }
        try {
            return InetAddress.getByName(literal).isLoopbackAddress(); // a literal: no lookup
        } catch (UnknownHostException e) {
            return false;
        }
    }

    private static TransportSettings ptaTransportSettings(Settings settings) {
        Optional<URI> proxy = settings.optional("pta.http.proxy").map(p -> parseUri("pta.http.proxy", p));
        return new TransportSettings(
                trustSettings(settings, "pta.tls.verify", "pta.tls.ca-file",
                        "pta.tls.truststore", "pta.tls.truststore-password"),
                proxy, settings.optional("pta.http.proxy-username"), settings.secret("pta.http.proxy-password"),
                settings.duration("pta.http.connect-timeout", Duration.ofSeconds(10)),
                settings.duration("pta.http.read-timeout", Duration.ofSeconds(60)),
                10);
    }

    private CachedTokenProvider tokenProvider(Settings settings, String baseUrl, HttpTransport transport) {
        Duration retryDelay = settings.duration("pta.auth.logon-retry-delay", Duration.ofMinutes(15));
        String mode = settings.oneOf("pta.auth.mode", "pvwa", "pvwa", "identity");
        if (mode.equals("identity")) {
            String tokenUrl = settings.required("pta.auth.identity.token-url");
            requireTls(settings, "pta.auth.identity.token-url", parseUri("pta.auth.identity.token-url", tokenUrl));
            String clientSecret = settings.secret("pta.auth.identity.client-secret");
            if (clientSecret.isEmpty()) {
                throw new InvalidConfigurationException("pta.auth.identity.client-secret", "a value is required");
            }
            return new IdentityTokenProvider(tokenUrl, settings.required("pta.auth.identity.client-id"), clientSecret,
                    settings.duration("pta.auth.identity.renew-before", Duration.ofSeconds(60)), transport, retryDelay, clock);
        }
        PvwaTokenProvider.Method method = PvwaTokenProvider.Method.valueOf(
                settings.oneOf("pta.auth.method", "CyberArk", "CyberArk", "LDAP", "RADIUS", "Windows"));
        String password = settings.secret("pta.auth.password");
        if (password.isEmpty()) {
            throw new InvalidConfigurationException("pta.auth.password", "a value is required (set PTA_AUTH_PASSWORD)");
        }
        return new PvwaTokenProvider(baseUrl, method, settings.required("pta.auth.username"), password,
                settings.bool("pta.auth.concurrent-session", true), transport, retryDelay, clock);
    }

    /** The host's DataSource when its registry holds exactly one (a Spring Boot host's), else pta.state.jdbc-url. */
    private static Optional<DataSource> hostDataSource(CamelContext context) {
        java.util.Set<DataSource> hosts = context.getRegistry().findByType(DataSource.class);
        return hosts.size() == 1 ? Optional.of(hosts.iterator().next()) : Optional.empty();
    }

    private DeliveryStore deliveryStore(Optional<DataSource> hostDataSource, Settings settings) {
        if (hostDataSource.isPresent()) {
            return JdbcDeliveryStore.open(hostDataSource.get(), clock, maxClockSkew(settings));
        }
        String url = settings.required("pta.state.jdbc-url");
        if (!url.startsWith("jdbc:")) {
            throw new InvalidConfigurationException("pta.state.jdbc-url",
                    "expected a JDBC URL such as jdbc:h2:file:./data/state/pta-router or jdbc:postgresql://host/db");
        }
        if (settings.bool("pta.cluster.enabled", false)) {
            url = io.ptarouter.cluster.ClusterMode.endingStuckTransactions(url,
                    settings.duration("pta.cluster.fence-timeout", Duration.ofSeconds(5)));
        }
        return JdbcDeliveryStore.open(url, settings.string("pta.state.username", ""), settings.secret("pta.state.password"), clock,
                maxClockSkew(settings));
    }

    /**
     * How far past this host's clock an event time may lie. An event up to that far ahead moves the watermark
     * there, and each poll re-reads the overlap before the watermark: a larger skew could skip real events.
     */
    private static Duration maxClockSkew(Settings settings) {
        Duration skew = settings.duration("pta.delivery.max-clock-skew", Duration.ofMinutes(2));
        Duration overlap = settings.duration("pta.delivery.overlap", Duration.ofMinutes(5));
        // An event accepted that far ahead moves the watermark there, and the next poll re-reads only the
        // overlap before it: the skew may take at most half of that window.
        if (skew.multipliedBy(2).compareTo(overlap) > 0) {
            throw new InvalidConfigurationException("pta.delivery.max-clock-skew", "must be at most half of "
                    + "pta.delivery.overlap (" + settings.string("pta.delivery.overlap", "5m") + "), or an event that far "
                    + "ahead would move the watermark past events PTA shows late");
        }
        return skew;
    }

    private static PollTracker.Policy deliveryPolicy(Settings settings) {
        Duration overlap = settings.duration("pta.delivery.overlap", Duration.ofMinutes(5));
        Duration retention = settings.duration("pta.delivery.retention", Duration.ofDays(7));
        if (retention.compareTo(overlap) <= 0) {
            throw new InvalidConfigurationException("pta.delivery.retention",
                    "must be longer than pta.delivery.overlap (" + overlap + "), or re-read events would be delivered again");
        }
        return new PollTracker.Policy(overlap, retention,
                settings.integer("pta.delivery.checkpoint-events", 5000, 1, 1_000_000),
                settings.duration("pta.delivery.checkpoint-interval", Duration.ofSeconds(1)),
                settings.duration("pta.delivery.park-after", Duration.ofHours(1)));
    }

    /**
     * Readiness checks and gauges for the enabled streams and sinks; Camel's health check registry
     * finds the checks in the registry, and the gauges are registered once Camel Main's meter registry is there.
     */
    private DeliveryHealth deliveryHealth(CamelContext context, Settings settings, SinkBreakers breakers,
                                          Watermarks watermarks, boolean app) throws Exception {
        Map<String, CronExpression> crons = new LinkedHashMap<>();
        Map<String, CircuitBreaker> sinks = new LinkedHashMap<>();
        // In a host, each source Kamelet's instance adds its stream with its own cron, and there are no sinks.
        for (PtaStream stream : app ? PtaStream.values() : new PtaStream[0]) {
            if (settings.bool("pta." + stream.id() + ".enabled", true)) {
                crons.put(stream.id(), cron(settings, "pta." + stream.id() + ".cron"));
            }
        }
        for (String sink : app ? SINKS : List.<String>of()) {
            if (sinkEnabled(settings, sink)) {
                sinks.put(sink, breakers.of(sink));
            }
        }
        DeliveryHealth health = new DeliveryHealth(crons, sinks, new DeliveryHealth.Policy(
                settings.integer("pta.health.max-missed-polls", 3, 1, 1000),
                positive(settings, "pta.health.max-owed-age", Duration.ofMinutes(15)),
                positive(settings, "pta.health.max-breaker-open", Duration.ofMinutes(5))), watermarks, clock);
        for (HealthCheck check : health.checks()) {
            context.getRegistry().bind(check.getId(), check);
        }
        context.addStartupListener(health);
        context.addLifecycleStrategy(new io.ptarouter.health.PerEventRoutes());
        return health;
    }

    private static Duration positive(Settings settings, String key, Duration defaultValue) {
        Duration value = settings.duration(key, defaultValue);
        if (value.isZero() || value.isNegative()) {
            throw new InvalidConfigurationException(key, "expected a duration above 0, got " + value);
        }
        return value;
    }

    /** One configuration for every sink's circuit breaker; each sink has its own breaker. */
    private static SinkBreakers sinkBreakers(Settings settings) {
        return new SinkBreakers(settings.integer("pta.sink.breaker.minimum-calls", 5, 1, 10_000),
                settings.integer("pta.sink.breaker.failure-rate", 50, 1, 100),
                settings.duration("pta.sink.breaker.open-for", Duration.ofSeconds(30)));
    }

    private SecurityEventsQuery securityEventsQuery(Settings settings, Watermarks watermarks, Duration overlap) {
        Optional<String> status = settings.optional("pta.security-events.status")
                .map(s -> settings.oneOf("pta.security-events.status", null, "open", "closed"));
        return new SecurityEventsQuery(watermarks, overlap,
                settings.duration("pta.security-events.initial-lookback", Duration.ofHours(24)),
                SecurityEventsQuery.Unit.valueOf(settings.oneOf("pta.security-events.from-update-date-unit", "ms", "ms", "s")),
                SecurityEventsQuery.Since.valueOf(settings.oneOf("pta.security-events.since", "query", "query", "header")),
                status, settings.optional("pta.security-events.account-id"), clock);
    }

    private static SeverityBands severityBands(Settings settings) {
        double medium = settings.number("pta.routing.medium-from", 35, 0, 100);
        double high = settings.number("pta.routing.high-from", 75, 0, 100);
        if (medium > high) {
            throw new InvalidConfigurationException("pta.routing.medium-from",
                    "must not be above pta.routing.high-from (" + medium + " > " + high + ")");
        }
        String missing = settings.oneOf("pta.routing.missing-score-severity", SeverityBands.UNKNOWN,
                SeverityBands.UNKNOWN, SeverityBands.LOW, SeverityBands.MEDIUM, SeverityBands.HIGH);
        return new SeverityBands(medium, high, missing);
    }

    private static void configureJms(CamelContext context, Settings settings, FilePermissions files, SinkBody body) throws Exception {
        // The update request queue lives on the same broker.
        boolean enabled = settings.bool("pta.sink.jms.enabled", true) | settings.bool("pta.updates.jms.enabled", false);
        String queue = settings.required("pta.sink.jms.queue");
        int maxInFlight = settings.integer("pta.sink.jms.max-in-flight", 1000, 1, 100_000);
        Optional<String> external = settings.optional("pta.sink.jms.broker-url");
        JmsBatches.MessageType messageType = JmsBatches.MessageType.valueOf(
                settings.oneOf("pta.sink.jms.message-type", "text", "text", "bytes").toUpperCase(Locale.ROOT));
        try {
            external.ifPresent(PtaRouterConfiguration::checkBrokerUrl);
        } catch (InvalidConfigurationException e) {
            if (enabled) {
                throw e;
            }
            LOG.warn("{}; ignored while pta.sink.jms.enabled=false", e.getMessage());
        }
        if (!enabled) {
            return;
        }
        Optional<jakarta.jms.ConnectionFactory> host = external.isPresent() ? Optional.empty() : hostConnectionFactory(context);
        if (host.isPresent()) {
            LOG.info("JMS sink and update requests: the host's ConnectionFactory, no broker or connection factory of pta-router's own");
            JmsBatches batches = new JmsBatches(host.get(), queue, maxInFlight, messageType, body);
            closeOnStop(context, batches::close);
            context.getRegistry().bind("ptaJmsBatches", batches);
            JmsComponent jms = context.getComponent("jms", JmsComponent.class);
            if (jms.getConnectionFactory() == null) {
                jms.setConnectionFactory(host.get());
            }
            return;
        }
        String brokerUrl = external.orElse("vm://0");
        if (external.isEmpty()) {
            Path journal = Path.of(settings.string("pta.sink.jms.embedded.data-directory", "data/artemis"));
            files.prepareDirectory(journal); // Artemis creates its folders inside it with the umask's mode
            EmbeddedBroker broker = new EmbeddedBroker(journal, settings.integer("pta.sink.jms.embedded.port", 0, 0, 65535), queue);
            broker.start(); // before any route can send
            context.addService(broker, true);
        }
        ActiveMQConnectionFactory artemis = new ActiveMQConnectionFactory(brokerUrl,
                settings.optional("pta.sink.jms.username").orElse(null),
                settings.secret("pta.sink.jms.password").isEmpty() ? null : settings.secret("pta.sink.jms.password"));
        // Once connected, the client would otherwise learn the broker's topology and retry it every 2 s on each
        // new connection while the broker is down, holding up the poll; the URL names the brokers to try.
        artemis.setUseTopologyForLoadBalancing(false);
        JmsPoolConnectionFactory pool = new JmsPoolConnectionFactory();
        pool.setConnectionFactory(artemis);
        pool.setMaxConnections(1);
        // How long a commit (the broker journalling a transaction) may take before it counts as failed.
        artemis.setCallTimeout(settings.duration("pta.sink.jms.timeout", Duration.ofSeconds(60)).toMillis());
        // The sink keeps one connection of its own and watches it, so that a broken one fails the open transaction at once.
        JmsBatches batches = new JmsBatches(artemis, queue, maxInFlight, messageType, body);
        closeOnStop(context, artemis::close, pool::stop, batches::close);
        context.getRegistry().bind("ptaJmsConnectionFactory", pool);
        context.getRegistry().bind("ptaJmsBatches", batches);
        JmsComponent jms = context.getComponent("jms", JmsComponent.class);
        if (jms.getConnectionFactory() == null) {
            jms.setConnectionFactory(pool);
        }
    }

    /** The host's JMS ConnectionFactory when its registry holds exactly one (a Spring Boot host's, say). */
    private static Optional<jakarta.jms.ConnectionFactory> hostConnectionFactory(CamelContext context) {
        java.util.Set<jakarta.jms.ConnectionFactory> hosts = context.getRegistry().findByType(jakarta.jms.ConnectionFactory.class);
        return hosts.size() == 1 ? Optional.of(hosts.iterator().next()) : Optional.empty();
    }

    /** Artemis' own parser fails a mistyped scheme with a bare NullPointerException ("Schema tpc not found"). */
    static void checkBrokerUrl(String url) {
        java.util.regex.Matcher schemes = java.util.regex.Pattern.compile("([A-Za-z][A-Za-z0-9+.-]*)://").matcher(url);
        boolean any = false;
        while (schemes.find()) {
            any = true;
            if (!BROKER_SCHEMES.contains(schemes.group(1))) {
                throw new InvalidConfigurationException("pta.sink.jms.broker-url", "unknown scheme '" + schemes.group(1)
                        + "', expected one of " + String.join(", ", BROKER_SCHEMES)
                        + " (tcp://host:61616; TLS: tcp://host:61617?sslEnabled=true)");
            }
        }
        if (!any) {
            throw new InvalidConfigurationException("pta.sink.jms.broker-url", "expected a broker URL such as "
                    + "tcp://artemis.example.com:61616, with one of the schemes " + String.join(", ", BROKER_SCHEMES));
        }
    }

    private static void configureEmail(CamelContext context, Settings settings) throws Exception {
        Registry registry = context.getRegistry();
        boolean enabled = settings.bool("pta.sink.email.enabled", false);
        String security = settings.oneOf("pta.sink.email.security", "none", "none", "starttls", "smtps");
        String protocol = security.equals("smtps") ? "smtps" : "smtp";
        String host = settings.string("pta.sink.email.host", "localhost");
        TrustSettings trust = trustSettings(settings, "pta.sink.email.tls-verify", "pta.sink.email.ca-file",
                "pta.sink.email.truststore", "pta.sink.email.truststore-password");
        int concurrency = settings.integer("pta.sink.email.concurrency", 4, 1, 64);
        // One open SMTP connection per lane, reused from mail to mail.
        MailTransportPool sender = new MailTransportPool(concurrency,
                settings.integer("pta.sink.email.mails-per-connection", 100, 1, 1_000_000));
        sender.setHost(host);
        sender.setPort(settings.integer("pta.sink.email.port", 25, 1, 65535));
        sender.setProtocol(protocol);
        Properties mail = new Properties();
        Duration smtpTimeout = settings.duration("pta.sink.email.timeout", Duration.ofSeconds(30));
        String timeout = Long.toString(smtpTimeout.toMillis());
        mail.setProperty("mail." + protocol + ".connectiontimeout", timeout);
        mail.setProperty("mail." + protocol + ".timeout", timeout);
        mail.setProperty("mail." + protocol + ".writetimeout", timeout);
        if (!security.equals("none")) {
            // Jakarta Mail takes the socket factory as an object; it is used for SMTPS and for STARTTLS alike.
            TlsTrust tls = TlsTrust.of("the SMTP server at " + host, trust);
            mail.put("mail." + protocol + ".ssl.socketFactory", tls.socketFactory());
            // Without this, a server refused by that trust is tried again with the JVM's CAs.
            mail.setProperty("mail." + protocol + ".socketFactory.fallback", "false");
            mail.setProperty("mail." + protocol + ".ssl.checkserveridentity", Boolean.toString(tls.verifiesHostNames()));
        }
        if (security.equals("starttls")) {
            mail.setProperty("mail.smtp.starttls.enable", "true");
            mail.setProperty("mail.smtp.starttls.required", "true");
        }
        Optional<String> username = settings.optional("pta.sink.email.username");
        if (username.isPresent()) {
            mail.setProperty("mail." + protocol + ".auth", "true");
            sender.setUsername(username.get());
            sender.setPassword(settings.secret("pta.sink.email.password"));
        }
        sender.setJavaMailProperties(mail);
        List<String> to = settings.list("pta.sink.email.to");
        settings.duration("pta.sink.email.digest.max-wait", Duration.ofSeconds(10)); // read by the route; checked here
        int digestAfter = settings.integer("pta.sink.email.digest.after", 20, 0, Integer.MAX_VALUE);
        int digestMaxEvents = settings.integer("pta.sink.email.digest.max-events", 100, 1, 10_000);
        if (!enabled) {
            return;
        }
        if (to.isEmpty()) {
            throw new InvalidConfigurationException("pta.sink.email.to", "at least one recipient is required");
        }
        closeOnStop(context, sender);
        registry.bind("ptaMailSender", sender);
        ProducerTemplate producer = context.createProducerTemplate();
        // a mail may wait for a connection and then for the server: both are bounded by the timeout
        SinkLanes lanes = new SinkLanes(producer, "direct:pta-email-send", "email", concurrency, smtpTimeout.multipliedBy(3));
        context.addService(producer, true);
        context.addService(lanes, true); // stopped before the producer and the connections it uses
        registry.bind("ptaEmailLanes", lanes);
        registry.bind("ptaEmailDigests", new EmailDigests(digestAfter, digestMaxEvents, producer, "direct:pta-email-digest",
                smtpTimeout.multipliedBy(3)));
        registry.bind("ptaEmailComposer", new EmailComposer(
                settings.string("pta.sink.email.from", "pta-router@localhost"), to,
                new MessageTemplate("pta.sink.email.subject",
                        settings.string("pta.sink.email.subject", "[PTA ${severity}] ${type}"), EmailComposer.PLACEHOLDERS),
                template(settings, "pta.sink.email.text-template", "templates/email.txt"),
                template(settings, "pta.sink.email.html-template", "templates/email.html")));
    }

    /** A template file on disk, or the copy packaged in the jar when the path does not exist. */
    private static MessageTemplate template(Settings settings, String key, String defaultPath) throws IOException {
        String location = settings.string(key, defaultPath);
        Path file = Path.of(location);
        String text;
        if (Files.isRegularFile(file)) {
            text = Files.readString(file, StandardCharsets.UTF_8);
            LOG.info("{}: {}", key, file.toAbsolutePath());
        } else {
            LOG.info("{}: {} packaged in the jar (there is no file {})", key, location, file.toAbsolutePath());
            try (InputStream in = PtaRouterConfiguration.class.getClassLoader().getResourceAsStream(location)) {
                if (in == null) {
                    throw new InvalidConfigurationException(key, "no template at " + file.toAbsolutePath());
                }
                text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
        }
        return new MessageTemplate(key, text, EmailComposer.PLACEHOLDERS);
    }

    private static void configureWebhook(CamelContext context, Settings settings, OcsfRecords ocsf) throws Exception {
        boolean enabled = settings.bool("pta.sink.webhook.enabled", false);
        URI uri;
        try {
            uri = webhookUrl(settings);
        } catch (InvalidConfigurationException e) {
            if (enabled) {
                throw e;
            }
            // A switched-off sink's settings are not fatal, as for the JMS broker URL: one warning.
            LOG.warn("{}; ignored while pta.sink.webhook.enabled=false", e.getMessage());
            uri = URI.create("http://localhost/");
        }
        Duration timeout = settings.duration("pta.sink.webhook.timeout", Duration.ofSeconds(10));
        int concurrency = settings.integer("pta.sink.webhook.concurrency", 4, 1, 256);
        boolean tlsVerify = settings.bool("pta.sink.webhook.tls-verify", true);
        Map<String, String> headers = WebhookRequest.parseHeaders("pta.sink.webhook.headers",
                settings.secret("pta.sink.webhook.headers"));
        SinkBody.Format format = SinkBody.Format.of(settings.oneOf("pta.sink.webhook.body-format", "envelope",
                "envelope", "ocsf", "splunk-hec"));
        Function<HttpTransport, SplunkHec> hecOver = format == SinkBody.Format.SPLUNK_HEC ? splunkHec(settings, enabled, uri) : null;
        if (!enabled) {
            return;
        }
        HttpTransport transport = new HttpTransport("the webhook at " + uri.getHost(), new TransportSettings(
                new TrustSettings(tlsVerify, "pta.sink.webhook.tls-verify",
                        Optional.empty(), "", Optional.empty(), "", ""),
                Optional.empty(), Optional.empty(), "", timeout, timeout, Math.max(10, concurrency)));
        closeOnStop(context, transport);
        context.getRegistry().bind("ptaWebhookTransport", transport);
        SplunkHec hec = hecOver == null ? null : hecOver.apply(transport);
        PollTracker polls = context.getRegistry().lookupByNameAndType("ptaPolls", PollTracker.class);
        if (hec != null) {
            headers.putAll(hec.headers());
            context.getRegistry().bind("ptaWebhookDelivered", (Processor) exchange -> hec.answered(exchange, polls));
        } else {
            context.getRegistry().bind("ptaWebhookDelivered", (Processor) polls::delivered);
        }
        SinkBody body = new SinkBody(format, ocsf, hec);
        WebhookRequest request = new WebhookRequest(headers);
        ProducerTemplate producer = context.createProducerTemplate();
        SinkLanes lanes = new SinkLanes(producer, "direct:pta-webhook-post", "webhook", concurrency,
                // a call may wait for a connection and then for the receiver: both are bounded by the timeout
                timeout.multipliedBy(3),
                // The call's copy gets the body as pta.sink.webhook.body-format says, then the request's headers.
                call -> {
                    body.process(call);
                    request.process(call);
                },
                // Splunk HEC with acknowledgement: the poll's next checkpoint waits for the events' acks.
                hec != null ? hec::afterSubmit : call -> { });
        context.addService(producer, true);
        context.addService(lanes, true); // stopped before the producer it uses
        context.getRegistry().bind("ptaWebhookLanes", lanes);
    }

    /** The webhook sink as a Splunk HEC client: its token is required when the sink is on. */
    private static Function<HttpTransport, SplunkHec> splunkHec(Settings settings, boolean enabled, URI collector) {
        String prefix = "pta.sink.webhook.splunk-hec.";
        String token = settings.secret(prefix + "token");
        if (enabled && token.isBlank()) {
            throw new InvalidConfigurationException(prefix + "token", "pta.sink.webhook.body-format is splunk-hec: set the "
                    + "HEC token (PTA_SINK_WEBHOOK_SPLUNK_HEC_TOKEN)");
        }
        if (token.chars().anyMatch(c -> c < 0x21 || c == 0x7f)) {
            throw new InvalidConfigurationException(prefix + "token", "the token contains a space or a control character");
        }
        SplunkHec.Settings hec = new SplunkHec.Settings(localHostName(), settings.string(prefix + "source", "pta-router"),
                settings.string(prefix + "sourcetype", "cyberark:pta:event"), settings.optional(prefix + "index").orElse(null),
                settings.oneOf(prefix + "ack", "auto", "auto", "off").equals("auto"),
                positive(settings, prefix + "ack-timeout", Duration.ofSeconds(60)));
        return transport -> new SplunkHec(hec, token, collector, transport::newClient);
    }

    /** The syslog sink: PTA's CEF records to a syslog receiver over TCP, TLS, UDP or RELP. */
    private void configureSyslog(CamelContext context, Settings settings) throws Exception {
        boolean enabled = settings.bool("pta.sink.syslog.enabled", false);
        String prefix = "pta.sink.syslog.";
        SyslogBatches.Transport transport = SyslogBatches.Transport.valueOf(
                settings.oneOf(prefix + "transport", "tcp", "tcp", "tls", "udp", "relp").toUpperCase(Locale.ROOT));
        SyslogBatches.Format format = SyslogBatches.Format.valueOf(
                settings.oneOf(prefix + "format", "rfc5424", "rfc5424", "rfc3164").toUpperCase(Locale.ROOT));
        String hostname = settings.optional(prefix + "hostname").orElseGet(PtaRouterConfiguration::localHostName);
        if (!hostname.matches("[\\x21-\\x7e]{1,255}")) {
            throw new InvalidConfigurationException(prefix + "hostname", "expected printable ASCII without spaces, got '"
                                                                         + hostname + "'");
        }
        String link = eventLink(settings);
        CefRecords records = new CefRecords(new CefRecords.Settings(
                settings.string(prefix + "pta-version", "13.0"),
                CefRecords.parseTypeIds(prefix + "event-type-ids", settings.string(prefix + "event-type-ids", "")),
                settings.integer(prefix + "unknown-event-type-id", 99, 0, Integer.MAX_VALUE),
                CefRecords.parseSeverityFrom(prefix + "severity-from", settings.list(prefix + "severity-from")),
                settings.integer(prefix + "missing-score-severity", 5, 1, 10), link));
        TlsTrust trust = transport == SyslogBatches.Transport.TLS && enabled
                ? TlsTrust.of("the syslog receiver", trustSettings(settings, prefix + "tls-verify", prefix + "tls-ca-file",
                        prefix + "tls-truststore", prefix + "tls-truststore-password"))
                : null;
        SyslogBatches batches = new SyslogBatches(new SyslogBatches.Target(transport, format,
                settings.string(prefix + "host", "localhost"), settings.integer(prefix + "port", 514, 1, 65535),
                settings.integer(prefix + "facility", 16, 0, 23), hostname,
                positive(settings, prefix + "timeout", Duration.ofSeconds(10)), trust),
                records, settings.integer(prefix + "max-in-flight", 500, 1, 100_000), clock);
        if (!enabled) {
            return;
        }
        closeOnStop(context, batches);
        context.getRegistry().bind("ptaSyslogBatches", batches);
    }

    /** The PVWA link to an event, in the CEF and OCSF records: pta.sink.syslog.event-link, or one from pta.base-url. */
    private static String eventLink(Settings settings) {
        return settings.optional("pta.sink.syslog.event-link").orElseGet(() -> settings.optional("pta.base-url")
                .map(base -> base.replaceAll("/+$", "") + "/PasswordVault/v10/pta/events").orElse(""));
    }

    private static String localHostName() {
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.net.UnknownHostException e) {
            return "pta-router";
        }
    }

    /** The webhook sink's URL, checked as start-up checks it (the check mode reaches it too). */
    public static URI webhookUrl(Settings settings) {
        String url = settings.required("pta.sink.webhook.url");
        // The URL may carry the receiver's secret: errors name its scheme and host, never the whole value.
        URI uri = parseUri("pta.sink.webhook.url", url, "(value not shown, it may carry a secret)");
        if (!"https".equals(uri.getScheme()) && !"http".equals(uri.getScheme()) || uri.getHost() == null) {
            throw new InvalidConfigurationException("pta.sink.webhook.url", "expected an http(s) URL with a host, got scheme '"
                    + uri.getScheme() + "' and host '" + uri.getHost() + "'");
        }
        return uri;
    }

    /** A size in bytes, or with a unit: 512KB, 1MB, 4GB (powers of 1024). */
    private static long size(Settings settings, String key, long defaultValue, long min, long max) {
        Optional<String> text = settings.optional(key);
        if (text.isEmpty()) {
            return defaultValue;
        }
        java.util.regex.Matcher size = java.util.regex.Pattern.compile("(?i)\\s*(\\d{1,12})\\s*(B|KB|MB|GB)?\\s*")
                .matcher(text.get());
        if (!size.matches()) {
            throw new InvalidConfigurationException(key, "expected a size such as 1MB (B, KB, MB or GB), got '" + text.get() + "'");
        }
        String unit = size.group(2) == null ? "B" : size.group(2).toUpperCase(java.util.Locale.ROOT);
        long bytes = Long.parseLong(size.group(1)) << switch (unit) {
            case "KB" -> 10;
            case "MB" -> 20;
            case "GB" -> 30;
            default -> 0;
        };
        if (bytes < min || bytes > max) {
            throw new InvalidConfigurationException(key, "expected from " + min + " to " + max + " bytes, got " + text.get());
        }
        return bytes;
    }

    /** The sinks, in the order the router hands an event to them. */
    private static final List<String> SINKS = List.of("file", "jms", "email", "webhook", "syslog");

    /** Whether a sink is switched on: the file and JMS sinks are by default. */
    static boolean sinkEnabled(Settings settings, String sink) {
        return settings.bool("pta.sink." + sink + ".enabled", sink.equals("file") || sink.equals("jms"));
    }

    static CronExpression cron(Settings settings, String key) {
        String cron = settings.required(key);
        try {
            return new CronExpression(cron);
        } catch (ParseException e) {
            throw new InvalidConfigurationException(key, "not a Quartz cron expression ('" + cron + "'): " + e.getMessage()
                    + "; the fields are seconds minutes hours day-of-month month day-of-week, e.g. '0 * * * * ?'");
        }
    }

    private static FilePermissions filePermissions(Settings settings) {
        return FilePermissions.of(fileMode(settings, "pta.files.mode"), fileMode(settings, "pta.files.directory-mode"));
    }

    private static String fileMode(Settings settings, String key) {
        String mode = settings.optional(key).orElse("");
        if (!FilePermissions.isValid(mode)) {
            throw new InvalidConfigurationException(key, "expected three octal digits as chmod takes them "
                    + "(600 or 700: the owner only; 640 or 750: the group too), got '" + mode + "'");
        }
        return mode;
    }

    /** The database file of an embedded H2 URL, jdbc:h2:file:./data/state/pta-router, without its .mv.db. */
    private static Optional<Path> h2File(String jdbcUrl) {
        String prefix = "jdbc:h2:file:";
        if (!jdbcUrl.regionMatches(true, 0, prefix, 0, prefix.length())) {
            return Optional.empty();
        }
        String file = jdbcUrl.substring(prefix.length()).split(";", 2)[0];
        if (file.startsWith("~")) {
            file = System.getProperty("user.home") + file.substring(1);
        }
        return Optional.of(Path.of(file).toAbsolutePath());
    }

    /** Closes the resources, last one first, when the CamelContext stops. */
    static void closeOnStop(CamelContext context, AutoCloseable... resources) throws Exception {
        context.addService(new ServiceSupport() {
            @Override
            protected void doStop() throws Exception {
                for (int i = resources.length - 1; i >= 0; i--) {
                    resources[i].close();
                }
            }
        }, true);
    }

    /** Whether to verify a peer's certificate, and against which CA file or truststore (else the JVM's CAs). */
    private static TrustSettings trustSettings(Settings settings, String verifyKey, String caFileKey,
                                               String truststoreKey, String truststorePasswordKey) {
        return new TrustSettings(settings.bool(verifyKey, true), verifyKey,
                existingFile(settings, caFileKey), caFileKey,
                existingFile(settings, truststoreKey), settings.secret(truststorePasswordKey), truststoreKey);
    }

    private static Optional<Path> existingFile(Settings settings, String key) {
        return settings.optional(key).map(p -> {
            Path path = Path.of(p);
            if (!Files.isReadable(path)) {
                throw new InvalidConfigurationException(key, "cannot read file " + path.toAbsolutePath());
            }
            return path;
        });
    }

    private static URI parseUri(String key, String value) {
        return parseUri(key, value, "'" + value + "'");
    }

    /** {@code shown} is how the value appears in an error. */
    private static URI parseUri(String key, String value, String shown) {
        try {
            URI uri = URI.create(value.trim());
            if (uri.getScheme() == null) {
                throw new InvalidConfigurationException(key, "expected a URL with a scheme, got " + shown);
            }
            return uri;
        } catch (IllegalArgumentException e) {
            throw new InvalidConfigurationException(key, "not a valid URL: " + shown);
        }
    }
}
