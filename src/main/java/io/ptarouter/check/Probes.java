package io.ptarouter.check;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

import jakarta.jms.Connection;
import jakarta.jms.JMSException;
import jakarta.jms.MessageProducer;
import jakarta.jms.Session;
import jakarta.mail.MessagingException;
import jakarta.mail.Transport;

import org.apache.activemq.artemis.jms.client.ActiveMQConnectionFactory;
import org.apache.camel.CamelContext;
import org.apache.hc.client5.http.classic.methods.HttpGet;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.core5.http.io.entity.EntityUtils;

import io.ptarouter.auth.CachedTokenProvider;
import io.ptarouter.config.PtaRouterConfiguration;
import io.ptarouter.config.Settings;
import io.ptarouter.pta.PtaStream;
import io.ptarouter.sink.MailTransportPool;
import io.ptarouter.sink.SyslogBatches;
import io.ptarouter.state.DeliveryStore;
import io.ptarouter.transport.HttpTransport;
import io.ptarouter.transport.TlsTrust;
import io.ptarouter.transport.TlsTrust.TrustSettings;

/**
 * The check mode's probes, each against the peer as the routes would reach it (the beans start-up built, the same
 * settings), none of them delivering anything: the XSOAR "Test" button of pta-router.
 */
final class Probes {

    private static final String API = "/PasswordVault/API/pta/API/";

    private final CamelContext context;
    private final Settings settings;

    Probes(CamelContext context, Settings settings) {
        this.context = context;
        this.settings = settings;
    }

    List<CheckResult> run() {
        List<CheckResult> results = new ArrayList<>();
        results.addAll(pta());
        results.add(state());
        if (settings.bool("pta.sink.file.enabled", true)) {
            results.add(file());
        }
        if (settings.bool("pta.sink.jms.enabled", true)) {
            results.add(jms());
        }
        if (settings.bool("pta.sink.email.enabled", false)) {
            results.add(smtp());
        }
        if (settings.bool("pta.sink.webhook.enabled", false)) {
            results.add(webhook());
        }
        if (settings.bool("pta.sink.syslog.enabled", false)) {
            results.add(syslog());
        }
        return results;
    }

    /** Logon, one small call per enabled stream, logoff: the calls stop at the first that fails to log on. */
    private List<CheckResult> pta() {
        String baseUrl = settings.required("pta.base-url").replaceAll("/+$", "");
        CachedTokenProvider tokens = context.getRegistry().lookupByNameAndType("ptaTokens", CachedTokenProvider.class);
        HttpTransport transport = context.getRegistry().lookupByNameAndType("ptaTransport", HttpTransport.class);
        List<CheckResult> results = new ArrayList<>();
        String authorization;
        try {
            authorization = tokens.authorization();
            results.add(CheckResult.ok("pvwa logon", baseUrl + " as " + who()));
        } catch (RuntimeException e) {
            results.add(CheckResult.fail("pvwa logon", CheckResult.reason(e)));
            return results;
        }
        long now = Instant.now().toEpochMilli();
        if (settings.bool("pta.security-events.enabled", true)) {
            HttpGet get = new HttpGet(baseUrl + API + "Events/");
            String since = settings.string("pta.security-events.from-update-date-unit", "ms").equalsIgnoreCase("s")
                    ? Long.toString(now / 1000) : Long.toString(now);
            if (settings.string("pta.security-events.since", "query").equalsIgnoreCase("header")) {
                get.setHeader("lastUpdatedEventDate", since);
            } else {
                get = new HttpGet(baseUrl + API + "Events/?fromUpdateDate=" + since);
            }
            results.add(call(transport, get, authorization, PtaStream.SECURITY_EVENTS.id()));
        }
        if (settings.bool("pta.risk-events.enabled", true)) {
            results.add(call(transport, new HttpGet(baseUrl + API + "Risks/RisksEvents/?size=1"), authorization,
                    PtaStream.RISK_EVENTS.id()));
        }
        CachedTokenProvider.LogoffOutcome logoff = tokens.endSession();
        if (!identity()) { // an Identity token has no session to end: it expires
            results.add(logoff.ended() ? CheckResult.ok("pvwa logoff", logoff.description())
                    : CheckResult.fail("pvwa logoff", logoff.description()));
        }
        return results;
    }

    private boolean identity() {
        return settings.string("pta.auth.mode", "pvwa").equalsIgnoreCase("identity");
    }

    private String who() {
        return identity()
                ? "client '" + settings.string("pta.auth.identity.client-id", "") + "' (Identity)"
                : "'" + settings.string("pta.auth.username", "") + "' (" + settings.string("pta.auth.method", "CyberArk") + ")";
    }

    private static CheckResult call(HttpTransport transport, HttpGet get, String authorization, String stream) {
        String name = "pta " + stream;
        get.setHeader("Authorization", authorization);
        long started = System.nanoTime();
        try (CloseableHttpClient client = transport.newClient()) {
            return client.execute(get, response -> {
                // Small by construction (no event is newer than now, one risk per page), and never printed.
                EntityUtils.consume(response.getEntity());
                long millis = (System.nanoTime() - started) / 1_000_000;
                int status = response.getCode();
                return status == 200 ? CheckResult.ok(name, "GET " + get.getPath() + " answered 200 in " + millis + " ms")
                        : CheckResult.fail(name, "GET " + get.getPath() + " answered " + status + " " + response.getReasonPhrase());
            });
        } catch (IOException | RuntimeException e) {
            return CheckResult.fail(name, "GET " + get.getPath() + ": " + CheckResult.reason(e));
        }
    }

    /** A read of a watermark: the state database answers a query. */
    private CheckResult state() {
        String where = withoutSecrets(settings.required("pta.state.jdbc-url"));
        try {
            DeliveryStore store = context.getRegistry().findSingleByType(DeliveryStore.class);
            OptionalLong watermark = store.get(PtaStream.SECURITY_EVENTS.id());
            return CheckResult.ok("state", where + (watermark.isPresent()
                    ? ", security events read up to " + Instant.ofEpochMilli(watermark.getAsLong()) : ", no watermark yet"));
        } catch (RuntimeException e) {
            return CheckResult.fail("state", where + ": " + CheckResult.reason(e));
        }
    }

    /** A JDBC URL's user, password or key may sit after ';' or '?': not shown. */
    private static String withoutSecrets(String jdbcUrl) {
        return jdbcUrl.split("[;?]", 2)[0];
    }

    /** Creates and deletes a file where the sink writes (or, while that folder is still to be made, where it will be). */
    private CheckResult file() {
        Path folder = Path.of(settings.required("pta.sink.file.directory")).toAbsolutePath();
        Path existing = folder;
        while (existing.getParent() != null && !Files.exists(existing)) {
            existing = existing.getParent();
        }
        try {
            Path probe = Files.createTempFile(existing, ".pta-router-check-", ".tmp");
            Files.delete(probe);
            return CheckResult.ok("file", folder + (existing.equals(folder) ? " is writable"
                    : " will be created in " + existing + ", which is writable"));
        } catch (IOException | RuntimeException e) {
            return CheckResult.fail("file", folder + " is not writable: " + CheckResult.reason(e));
        }
    }

    /** A connection, a session and a producer on the queue; no message is sent. */
    private CheckResult jms() {
        Optional<String> external = settings.optional("pta.sink.jms.broker-url");
        String queue = settings.required("pta.sink.jms.queue");
        String where = external.map(url -> url.split("\\?", 2)[0]).orElse("the embedded broker") + ", queue " + queue;
        String password = settings.secret("pta.sink.jms.password");
        try (ActiveMQConnectionFactory factory = new ActiveMQConnectionFactory(external.orElse("vm://0"),
                settings.optional("pta.sink.jms.username").orElse(null), password.isEmpty() ? null : password)) {
            factory.setCallTimeout(settings.duration("pta.sink.jms.timeout", Duration.ofSeconds(60)).toMillis());
            try (Connection connection = factory.createConnection();
                 Session session = connection.createSession(true, Session.SESSION_TRANSACTED);
                 MessageProducer producer = session.createProducer(session.createQueue(queue))) {
                connection.start();
                return CheckResult.ok("jms", where + ": connected, producer on the queue (nothing sent)");
            }
        } catch (JMSException | RuntimeException e) {
            return CheckResult.fail("jms", where + ": " + CheckResult.reason(e));
        }
    }

    /** The SMTP greeting, STARTTLS or SMTPS as configured, AUTH and QUIT: Jakarta Mail's connect and close. */
    private CheckResult smtp() {
        MailTransportPool sender = context.getRegistry().findSingleByType(MailTransportPool.class);
        String where = sender.getHost() + ":" + sender.getPort();
        String security = settings.string("pta.sink.email.security", "none");
        try {
            Transport transport = sender.getSession().getTransport(sender.getProtocol());
            try {
                transport.connect(sender.getHost(), sender.getPort(), sender.getUsername(), sender.getPassword());
            } finally {
                transport.close();
            }
            return CheckResult.ok("smtp", where + " (" + security + (sender.getUsername() == null ? ", no authentication"
                    : ", authenticated as '" + sender.getUsername() + "'") + ")");
        } catch (MessagingException | RuntimeException e) {
            return CheckResult.fail("smtp", where + ": " + CheckResult.reason(e));
        }
    }

    /**
     * A TCP connection and, for https, the TLS handshake with the sink's trust. No HTTP request: a receiver may count,
     * log, alert on or even act on any request (a HEAD or OPTIONS included), and it is not asked what it does with them.
     */
    private CheckResult webhook() {
        URI url = PtaRouterConfiguration.webhookUrl(settings);
        boolean https = url.getScheme().equals("https");
        int port = url.getPort() > 0 ? url.getPort() : https ? 443 : 80;
        String where = url.getScheme() + "://" + url.getHost() + ":" + port; // the path and query may carry a secret
        int timeout = (int) settings.duration("pta.sink.webhook.timeout", Duration.ofSeconds(10)).toMillis();
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(url.getHost(), port), timeout);
            socket.setSoTimeout(timeout);
            if (!https) {
                return CheckResult.ok("webhook", where + " reachable (plain http, no request sent)");
            }
            TlsTrust trust = TlsTrust.of("the webhook at " + url.getHost(), new TrustSettings(
                    settings.bool("pta.sink.webhook.tls-verify", true), "pta.sink.webhook.tls-verify",
                    Optional.empty(), "", Optional.empty(), "", ""));
            try (SSLSocket tls = (SSLSocket) trust.socketFactory().createSocket(socket, url.getHost(), port, true)) {
                if (trust.verifiesHostNames()) {
                    SSLParameters parameters = tls.getSSLParameters();
                    parameters.setEndpointIdentificationAlgorithm("HTTPS");
                    tls.setSSLParameters(parameters);
                }
                tls.startHandshake();
                return CheckResult.ok("webhook", where + " reachable, TLS " + tls.getSession().getProtocol()
                        + (trust.verifiesHostNames() ? " with a trusted certificate" : " (certificate not verified)")
                        + ", no request sent");
            }
        } catch (IOException | RuntimeException e) {
            return CheckResult.fail("webhook", where + ": " + CheckResult.reason(e));
        }
    }

    /** The receiver's connection as the sink opens it (TCP, TLS, a RELP session), closed again with no record sent. */
    private CheckResult syslog() {
        SyslogBatches syslog = context.getRegistry().lookupByNameAndType("ptaSyslogBatches", SyslogBatches.class);
        try {
            return CheckResult.ok("syslog", syslog.reach());
        } catch (IOException | RuntimeException e) {
            return CheckResult.fail("syslog", settings.string("pta.sink.syslog.host", "localhost") + ":"
                    + settings.string("pta.sink.syslog.port", "514") + ": " + CheckResult.reason(e));
        }
    }
}
