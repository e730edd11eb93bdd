package io.ptarouter.auth;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import com.sun.net.httpserver.HttpServer;

import io.ptarouter.state.Watermarks;
import io.ptarouter.testing.Events;
import io.ptarouter.testing.LogCapture;
import io.ptarouter.testing.RouterTestSupport;

/**
 * A PVWA or Identity tenant that answers a logon, a token request, a logoff or a PTA call with a
 * redirect to another host: that host receives nothing (no password, no client secret, no token),
 * and the failure names the host it pointed to, never the path or query of its Location.
 */
class RedirectsAreNotFollowedTest {

    private static final String LOGON = "/PasswordVault/API/auth/CyberArk/Logon";
    private static final String LOGOFF = "/PasswordVault/API/Auth/Logoff";
    private static final String EVENTS = "/PasswordVault/API/pta/API/Events/";
    private static final String TOKEN_PATH = "/oauth2/platformtoken";
    private static final String QUERY_SECRET = "location-query-secret-31337";
    private static final String STREAM = "security-events";

    /** A fake PVWA plus a second server on another port (another origin) that records whatever reaches it. */
    abstract static class WithElsewhere extends RouterTestSupport {

        @RegisterExtension
        final LogCapture log = new LogCapture();

        /** What reached the other host: method, path and body of each request. */
        final List<String> received = new CopyOnWriteArrayList<>();
        private HttpServer elsewhere;

        @BeforeEach
        void startElsewhere() throws IOException {
            elsewhere = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            elsewhere.createContext("/", exchange -> {
                try (InputStream body = exchange.getRequestBody()) {
                    received.add(exchange.getRequestMethod() + " " + exchange.getRequestURI() + " "
                                 + exchange.getRequestHeaders().getFirst("Authorization") + " "
                                 + new String(body.readAllBytes(), StandardCharsets.UTF_8));
                }
                // Were it followed, this would pass for a logon, a token and an empty page of events.
                byte[] answer = "\"stolen-session\"".getBytes(StandardCharsets.UTF_8);
                exchange.getResponseHeaders().add("Content-Type", "application/json");
                exchange.sendResponseHeaders(200, answer.length);
                exchange.getResponseBody().write(answer);
                exchange.close();
            });
            elsewhere.start();
        }

        @AfterEach
        void stopElsewhere() {
            elsewhere.stop(0);
        }

        /** Another host name than the PVWA's localhost, so the message shows which host it names. */
        String elsewhereHost() {
            return "127.0.0.1:" + elsewhere.getAddress().getPort();
        }

        String location(String path) {
            return "http://" + elsewhereHost() + path + "?key=" + QUERY_SECRET;
        }
    }

    @Nested
    class PvwaLogon extends WithElsewhere {

        @ParameterizedTest(name = "logon answered {0}")
        @ValueSource(ints = {301, 302, 303, 307, 308})
        void aRedirectedLogonSendsNothingElsewhereAndFailsThePollNamingTheHost(int status) throws Exception {
            PVWA.stubFor(post(urlPathEqualTo(LOGON)).willReturn(aResponse().withStatus(status)
                    .withHeader("Location", location(LOGON))));
            stubSecurityEvents(Events.array(Events.security(Events.id(1), "VaultViaIrregularIp", 20.0, NOW.toEpochMilli())));

            poll(STREAM);

            assertThat(received).as("requests that reached " + elsewhereHost()).isEmpty();
            assertThat(pollFailures()).singleElement().isInstanceOfSatisfying(LogonException.class, e -> {
                assertThat(e.getMessage()).contains("answered " + status, "a redirect to host " + elsewhereHost(),
                        "pta.base-url").doesNotContain(QUERY_SECRET, PASSWORD);
                assertThat(e.credentialsRejected()).isFalse();
            });
            assertThat(eventRequests()).isEmpty();
            assertThat(watermarks().get(STREAM)).isEmpty();
            assertThat(log.text()).contains("a redirect to host " + elsewhereHost()).doesNotContain(QUERY_SECRET, PASSWORD);
        }

        @Test
        void aRedirectedLogoffSendsTheTokenNowhereElseAndSaysWhere() throws Exception {
            stubLogon(TOKEN);
            stubSecurityEvents(Events.array(Events.security(Events.id(1), "VaultViaIrregularIp", 20.0, NOW.toEpochMilli())));
            PVWA.stubFor(post(urlPathEqualTo(LOGOFF)).willReturn(aResponse().withStatus(307)
                    .withHeader("Location", location(LOGOFF))));
            poll(STREAM);
            assertThat(fileEnvelopes(STREAM)).hasSize(1);

            context.stop(); // logoff

            assertThat(received).as("requests that reached " + elsewhereHost()).isEmpty();
            assertThat(log.text()).contains("PVWA logoff of 'pta-reader' answered 307, a redirect to host " + elsewhereHost())
                    .doesNotContain(QUERY_SECRET, TOKEN);
        }

        @ParameterizedTest(name = "events call answered {0}")
        @ValueSource(ints = {301, 302, 303, 307, 308})
        void aRedirectedPtaCallSendsTheTokenNowhereElseAndDeliversNothing(int status) throws Exception {
            stubLogon(TOKEN);
            PVWA.stubFor(get(urlPathEqualTo(EVENTS)).willReturn(aResponse().withStatus(status)
                    .withHeader("Location", location(EVENTS))));

            poll(STREAM);

            assertThat(received).as("requests that reached " + elsewhereHost()).isEmpty();
            assertThat(fileEnvelopes(STREAM)).isEmpty();
            assertThat(log.text()).contains("PTA answered the call /Events with status " + status + " to http://" + elsewhereHost())
                    .doesNotContain(TOKEN, QUERY_SECRET);
        }
    }

    @Nested
    class IdentityToken extends WithElsewhere {
        private static final String CLIENT_SECRET = "identity-client-secret-2718";

        @Override
        protected Map<String, String> settings() {
            return Map.of(
                    "pta.auth.mode", "identity",
                    "pta.auth.identity.token-url", PVWA.baseUrl() + TOKEN_PATH,
                    "pta.auth.identity.client-id", "pta-router@cyberark.cloud.1234",
                    "pta.auth.identity.client-secret", CLIENT_SECRET);
        }

        @ParameterizedTest(name = "token URL answered {0}")
        @ValueSource(ints = {301, 302, 303, 307, 308})
        void aRedirectedTokenRequestSendsTheSecretNowhereElseAndFailsThePollNamingTheHost(int status) throws Exception {
            PVWA.stubFor(post(urlPathEqualTo(TOKEN_PATH)).willReturn(aResponse().withStatus(status)
                    .withHeader("Location", location(TOKEN_PATH))));
            PVWA.stubFor(post(urlPathMatching("/PasswordVault/.*")).willReturn(okJson("{}")));
            stubSecurityEvents(Events.array(Events.security(Events.id(1), "VaultViaIrregularIp", 20.0, NOW.toEpochMilli())));

            poll(STREAM);

            assertThat(received).as("requests that reached " + elsewhereHost()).isEmpty();
            assertThat(pollFailures()).singleElement().isInstanceOfSatisfying(LogonException.class, e ->
                    assertThat(e.getMessage()).contains("answered " + status, "a redirect to host " + elsewhereHost(),
                            "pta.auth.identity.token-url").doesNotContain(QUERY_SECRET, CLIENT_SECRET));
            assertThat(eventRequests()).isEmpty();
            assertThat(context.getRegistry().lookupByNameAndType("ptaWatermarks", Watermarks.class).get(STREAM)).isEmpty();
            assertThat(log.text()).contains("a redirect to host " + elsewhereHost()).doesNotContain(QUERY_SECRET, CLIENT_SECRET);
        }
    }
}
