package io.ptarouter.testing;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.stream.Stream;

import jakarta.jms.JMSConsumer;
import jakarta.jms.JMSContext;
import jakarta.jms.JMSException;
import jakarta.jms.Message;
import jakarta.jms.TextMessage;
import jakarta.mail.internet.MimeMessage;

import org.apache.activemq.artemis.jms.client.ActiveMQConnectionFactory;
import org.apache.camel.CamelContext;
import org.apache.camel.model.ModelCamelContext;
import org.apache.camel.spi.Resource;
import org.apache.camel.support.PluginHelper;
import org.apache.camel.test.junit5.CamelTestSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import com.icegreen.greenmail.junit5.GreenMailExtension;
import com.icegreen.greenmail.util.ServerSetupTest;

import io.ptarouter.auth.TokenProvider;
import io.ptarouter.config.PtaRouterConfiguration;
import io.ptarouter.state.Watermarks;

/**
 * Runs the real YAML routes from {@code routes/} with the real beans, against real peers on
 * loopback: a fake PVWA (WireMock over HTTP), an SMTP server (GreenMail), the embedded Artemis
 * broker read by a JMS consumer, a webhook receiver (WireMock) and files in a temporary folder.
 * Polls are started by firing the routes' own Quartz jobs, whose cron never fires by itself.
 */
public abstract class RouterTestSupport extends CamelTestSupport {

    public static final String TOKEN = "token-abc123";
    public static final String PASSWORD = "s3cret-Passw0rd!";
    public static final String QUEUE = "pta.events";
    public static final Instant NOW = Instant.parse("2026-11-21T10:00:00Z");
    private static final String NEVER = "0 0 0 1 1 ? 2099";
    /** pta.delivery.overlap as application.properties sets it: each poll re-reads this much before the watermark. */
    public static final long OVERLAP_MILLIS = 5 * 60_000;

    @RegisterExtension
    protected static final WireMockExtension PVWA = WireMockExtension.newInstance()
            .options(wireMockConfig().dynamicPort().bindAddress("127.0.0.1")).build();

    @RegisterExtension
    protected static final WireMockExtension WEBHOOK = WireMockExtension.newInstance()
            .options(wireMockConfig().dynamicPort().bindAddress("127.0.0.1")).build();

    @RegisterExtension
    protected static final GreenMailExtension SMTP = new GreenMailExtension(ServerSetupTest.SMTP.dynamicPort());

    protected static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    protected Path work;

    protected final MutableClock clock = new MutableClock(NOW);

    private PollWatcher polls;
    /** Settings a {@link #restart} put on top of {@link #settings()}. */
    private Map<String, String> restartSettings = Map.of();
    private final List<CamelContext> restarted = new ArrayList<>();

    /** This test's settings, on top of application.properties and the harness defaults. */
    protected Map<String, String> settings() {
        return Map.of();
    }

    protected Map<String, String> harnessSettings() {
        Map<String, String> s = new HashMap<>();
        s.put("pta.base-url", PVWA.baseUrl());
        s.put("pta.http.allow-plain-http", "true"); // the fakes listen on loopback over http
        s.put("pta.auth.username", "pta-reader");
        s.put("pta.auth.password", PASSWORD);
        s.put("pta.security-events.cron", NEVER);
        s.put("pta.risk-events.cron", NEVER);
        s.put("pta.sink.file.directory", work.resolve("events").toString());
        s.put("pta.sink.rejected.directory", work.resolve("rejected").toString());
        s.put("pta.state.jdbc-url", "jdbc:h2:file:" + work.resolve("state/pta-router"));
        s.put("pta.delivery.dead-letter-directory", work.resolve("dead-letter").toString());
        // Retries in tests are quick; the breaker does not open in tests that do not test it.
        s.put("pta.sink.redelivery-delay", "20");
        s.put("pta.sink.max-redelivery-delay", "100");
        s.put("pta.sink.jms.embedded.data-directory", work.resolve("artemis").toString());
        s.put("pta.sink.email.enabled", "true");
        s.put("pta.sink.email.host", "127.0.0.1");
        s.put("pta.sink.email.port", Integer.toString(SMTP.getSmtp().getPort()));
        s.put("pta.sink.email.to", "soc@example.test");
        // Tests count one mail per event; EmailDigestTest and EmailDigestOutageTest test the digests.
        s.put("pta.sink.email.digest.after", "1000000");
        s.put("pta.sink.webhook.enabled", "true");
        s.put("pta.sink.webhook.url", WEBHOOK.baseUrl() + "/hooks/pta");
        s.put("pta.sink.webhook.headers", "Authorization: Bearer hook-token; X-Source: pta-router");
        return s;
    }

    @Override
    protected CamelContext createCamelContext() throws Exception {
        CamelContext context = super.createCamelContext();
        Properties overrides = new Properties();
        overrides.putAll(harnessSettings());
        overrides.putAll(settings());
        overrides.putAll(restartSettings);
        context.getPropertiesComponent().setLocation("file:application.properties");
        context.getPropertiesComponent().setOverrideProperties(overrides);
        new PtaRouterConfiguration(clock).configure(context);
        loadRoutes(context);
        polls = PollWatcher.watch(context);
        return context;
    }

    /** The app's routes, as Camel Main loads them, without the demo's. */
    protected void loadRoutes(CamelContext context) throws Exception {
        List<Resource> routes = new ArrayList<>();
        try (Stream<Path> files = Files.list(Path.of("routes"))) {
            files.filter(f -> f.toString().endsWith(".camel.yaml")).sorted()
                    .forEach(f -> routes.add(PluginHelper.getResourceLoader(context).resolveResource("file:" + f)));
        }
        PluginHelper.getRoutesLoader(context).loadRoutes(routes);
    }

    /**
     * Stops the CamelContext as a clean shutdown does and starts a new one on the same folders, as a
     * restarted process would; {@code changed} settings go on top of this test's.
     */
    protected void restart(Map<String, String> changed) throws Exception {
        context.stop();
        restartSettings = Map.copyOf(changed);
        CamelContext next = createCamelContext();
        restarted.add(next);
        next.start();
        setContext((ModelCamelContext) next);
    }

    @AfterEach
    void stopRestarted() {
        restarted.forEach(CamelContext::stop);
        restarted.clear();
    }

    // ---- PVWA fakes -------------------------------------------------------------------------

    protected static void stubLogon(String token) {
        PVWA.stubFor(post(urlPathMatching("/PasswordVault/API/auth/[A-Za-z]+/Logon"))
                .willReturn(okJson("\"" + token + "\"")));
        PVWA.stubFor(post(urlPathEqualTo("/PasswordVault/API/Auth/Logoff")).willReturn(okJson("{}")));
    }

    protected static void stubSecurityEvents(String body) {
        PVWA.stubFor(get(urlPathEqualTo("/PasswordVault/API/pta/API/Events/"))
                .willReturn(aResponse().withStatus(200).withHeader("Content-Type", "application/json")
                        .withHeader("X-Internal-Node", "pvwa-node-7").withBody(body)));
    }

    protected static List<LoggedRequest> eventRequests() {
        return PVWA.findAll(com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor(
                urlPathEqualTo("/PasswordVault/API/pta/API/Events/")));
    }

    protected static List<LoggedRequest> logonRequests() {
        return PVWA.findAll(com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor(
                urlPathMatching("/PasswordVault/API/auth/[A-Za-z]+/Logon")));
    }

    // ---- polling ----------------------------------------------------------------------------

    /** Fires the stream's Quartz job and waits until that whole poll has ended, sinks included. */
    protected void poll(String stream) throws Exception {
        polls.poll(context, stream, "pta-" + stream);
    }

    /** What made polls fail, as the poll route's error handler reported it, oldest first. */
    protected List<Throwable> pollFailures() {
        return polls.failures();
    }

    protected Watermarks watermarks() {
        return context.getRegistry().lookupByNameAndType("ptaWatermarks", Watermarks.class);
    }

    protected TokenProvider tokens() {
        return context.getRegistry().lookupByNameAndType("ptaTokens", TokenProvider.class);
    }

    // ---- what the sinks received ------------------------------------------------------------

    /** The envelopes written to the stream's NDJSON files, in order. */
    protected List<JsonNode> fileEnvelopes(String stream) throws IOException {
        return ndjson(work.resolve("events"), stream + "-");
    }

    protected List<JsonNode> rejected(String stream) throws IOException {
        return ndjson(work.resolve("rejected"), "rejected-" + stream + "-");
    }

    private static List<JsonNode> ndjson(Path folder, String prefix) throws IOException {
        List<JsonNode> lines = new ArrayList<>();
        if (!Files.isDirectory(folder)) {
            return lines;
        }
        try (Stream<Path> files = Files.list(folder)) {
            for (Path file : files.filter(f -> f.getFileName().toString().startsWith(prefix)).sorted().toList()) {
                for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                    if (!line.isBlank()) {
                        lines.add(JSON.readTree(line));
                    }
                }
            }
        }
        return lines;
    }

    /** A JMS message as a consumer sees it: the text and every property. */
    public record JmsMessage(String text, Map<String, Object> properties) {
        public JsonNode envelope() {
            try {
                return JSON.readTree(text);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    private final List<JmsMessage> jmsReceived = new ArrayList<>();

    /** Everything on the queue so far, read by a real JMS consumer (cumulative within a test). */
    protected List<JmsMessage> jmsMessages() throws JMSException {
        try (ActiveMQConnectionFactory factory = new ActiveMQConnectionFactory("vm://0");
             JMSContext jms = factory.createContext();
             JMSConsumer consumer = jms.createConsumer(jms.createQueue(QUEUE))) {
            // Sends are synchronous and persistent, so everything is on the queue once the poll is done;
            // the first receive only allows for the consumer's start.
            Message message = consumer.receive(jmsReceived.isEmpty() ? 1000 : 200);
            while (message != null) {
                Map<String, Object> properties = new HashMap<>();
                for (Enumeration<?> names = message.getPropertyNames(); names.hasMoreElements(); ) {
                    String name = (String) names.nextElement();
                    properties.put(name, message.getObjectProperty(name));
                }
                jmsReceived.add(new JmsMessage(((TextMessage) message).getText(), properties));
                message = consumer.receive(200);
            }
        }
        return List.copyOf(jmsReceived);
    }

    protected List<LoggedRequest> webhookRequests() {
        return WEBHOOK.findAll(com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor(
                urlPathEqualTo("/hooks/pta")));
    }

    protected static MimeMessage[] mails() {
        return SMTP.getReceivedMessages();
    }

    /** Which sinks got the event with this PTA id: any of file, jms, webhook, email. */
    protected Set<String> sinksThatReceived(String stream, String eventId) throws Exception {
        Set<String> sinks = new LinkedHashSet<>();
        if (fileEnvelopes(stream).stream().anyMatch(e -> e.path("metadata").path("id").asText().equals(eventId))) {
            sinks.add("file");
        }
        if (jmsMessages().stream().anyMatch(m -> eventId.equals(m.properties().get("ptaEventId")))) {
            sinks.add("jms");
        }
        if (webhookRequests().stream().anyMatch(r -> eventId.equals(r.getHeader("X-Pta-Event-Id")))) {
            sinks.add("webhook");
        }
        for (MimeMessage mail : mails()) {
            if (mail.getContent().toString().contains(eventId) || multipartContains(mail, eventId)) {
                sinks.add("email");
                break;
            }
        }
        return sinks;
    }

    private static boolean multipartContains(MimeMessage mail, String text) throws Exception {
        Object content = mail.getContent();
        if (content instanceof jakarta.mail.Multipart multipart) {
            for (int i = 0; i < multipart.getCount(); i++) {
                Object part = multipart.getBodyPart(i).getContent();
                if (part instanceof jakarta.mail.Multipart nested) {
                    for (int j = 0; j < nested.getCount(); j++) {
                        if (nested.getBodyPart(j).getContent().toString().contains(text)) {
                            return true;
                        }
                    }
                } else if (part.toString().contains(text)) {
                    return true;
                }
            }
        }
        return false;
    }
}
