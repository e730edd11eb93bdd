package io.ptarouter.auth;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.equalToJson;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.ok;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static com.github.tomakehurst.wiremock.stubbing.Scenario.STARTED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import jakarta.mail.internet.MimeMessage;

import org.apache.camel.CamelContext;
import org.apache.camel.http.base.HttpOperationFailedException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import com.github.tomakehurst.wiremock.http.HttpHeader;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;

import io.ptarouter.state.Watermarks;
import io.ptarouter.testing.Events;
import io.ptarouter.testing.RouterTestSupport;

/**
 * PVWA logon as PTA-API.md describes it: one logon per session, the raw token on every PTA call,
 * one re-logon and one retry when PTA refuses the token, no logon storm when the vault refuses the
 * credentials, a logoff at shutdown, and neither the password nor the token ever reaching a sink.
 * Settings are fixed per CamelContext, so each group of settings is a nested class.
 */
class PvwaLogonTest {
    private static final String LOGON_ANY = "/PasswordVault/API/auth/[A-Za-z]+/Logon";
    private static final String EVENTS = "/PasswordVault/API/pta/API/Events/";
    private static final String LOGOFF = "/PasswordVault/API/Auth/Logoff";
    private static final String STREAM = "security-events";
    private static final String TOKEN_EXPIRED = "{\"ErrorCode\":\"PASWS006E\",\"ErrorMessage\":\"Your session has expired.\"}";
    private static final String WRONG_PASSWORD =
            "{\"ErrorCode\":\"PASWS013E\",\"ErrorMessage\":\"Authentication failure for User [pta-reader].\"}";

    /** The harness, waiting for whole polls and keeping what made a poll fail. */
    abstract static class PvwaRouter extends RouterTestSupport {
        static String logonBody(boolean concurrentSession) {
            return JSON.createObjectNode()
                    .put("username", "pta-reader")
                    .put("password", PASSWORD)
                    .put("concurrentSession", concurrentSession)
                    .toString();
        }

        /** The first logon answers {@code first}, every later one {@code then}. */
        static void stubLogons(String first, String then) {
            PVWA.stubFor(post(urlPathMatching(LOGON_ANY)).inScenario("logon").whenScenarioStateIs(STARTED)
                    .willReturn(okJson("\"" + first + "\"")).willSetStateTo("logged-on-again"));
            PVWA.stubFor(post(urlPathMatching(LOGON_ANY)).inScenario("logon").whenScenarioStateIs("logged-on-again")
                    .willReturn(okJson("\"" + then + "\"")));
            PVWA.stubFor(post(urlPathEqualTo(LOGOFF)).willReturn(okJson("{}")));
        }

        static void stubEventsFor(String token, int status, String body) {
            PVWA.stubFor(get(urlPathEqualTo(EVENTS)).withHeader("Authorization", equalTo(token))
                    .willReturn(aResponse().withStatus(status).withHeader("Content-Type", "application/json").withBody(body)));
        }

        static List<String> authorizationOfEventRequests() {
            return eventRequests().stream().map(r -> r.getHeader("Authorization")).toList();
        }

        List<String> deliveredIds() throws Exception {
            return fileEnvelopes(STREAM).stream().map(e -> e.path("metadata").path("id").asText()).toList();
        }
    }

    /** Each logon method has its own URL; the body and the token handling are the same. */
    abstract static class LogonMethod extends PvwaRouter {
        abstract String method();

        @Override
        protected Map<String, String> settings() {
            return Map.of("pta.auth.method", method());
        }

        @Test
        void logsOnAtTheMethodsUrlWithAJsonBodyAndSendsTheRawTokenToPta() throws Exception {
            stubLogon(TOKEN);
            stubSecurityEvents("[]");

            poll(STREAM);

            PVWA.verify(1, postRequestedFor(urlPathEqualTo("/PasswordVault/API/auth/" + method() + "/Logon"))
                    .withHeader("Content-Type", containing("application/json"))
                    .withRequestBody(equalToJson(logonBody(true))));
            assertThat(logonRequests()).hasSize(1);
            PVWA.verify(1, getRequestedFor(urlPathEqualTo(EVENTS)).withHeader("Authorization", equalTo(TOKEN)));
            assertThat(authorizationOfEventRequests()).containsExactly(TOKEN);
        }
    }

    @Nested
    class CyberArkMethod extends LogonMethod {
        @Override
        String method() {
            return "CyberArk";
        }
    }

    @Nested
    class LdapMethod extends LogonMethod {
        @Override
        String method() {
            return "LDAP";
        }
    }

    @Nested
    class RadiusMethod extends LogonMethod {
        @Override
        String method() {
            return "RADIUS";
        }
    }

    @Nested
    class WindowsMethod extends LogonMethod {
        @Override
        String method() {
            return "Windows";
        }
    }

    @Nested
    class WithoutConcurrentSessions extends PvwaRouter {
        @Override
        protected Map<String, String> settings() {
            return Map.of("pta.auth.concurrent-session", "false");
        }

        @Test
        void logonBodySaysConcurrentSessionFalse() throws Exception {
            stubLogon(TOKEN);
            stubSecurityEvents("[]");

            poll(STREAM);

            PVWA.verify(1, postRequestedFor(urlPathEqualTo("/PasswordVault/API/auth/CyberArk/Logon"))
                    .withRequestBody(equalToJson(logonBody(false))));
        }
    }

    @Nested
    class Session extends PvwaRouter {
        @Test
        void oneTokenServesManyPolls() throws Exception {
            stubLogon(TOKEN);
            stubSecurityEvents("[]");

            poll(STREAM);
            poll(STREAM);
            poll(STREAM);

            assertThat(logonRequests()).hasSize(1);
            assertThat(authorizationOfEventRequests()).containsExactly(TOKEN, TOKEN, TOKEN);
        }

        @ParameterizedTest(name = "PTA answers {0}")
        @ValueSource(ints = {401, 403})
        void refusedTokenIsReplacedByOneLogonAndTheCallRetriedOnceWithTheNewToken(int status) throws Exception {
            stubLogons("token-1", "token-2");
            stubEventsFor("token-1", status, TOKEN_EXPIRED);
            stubEventsFor("token-2", 200, Events.array(
                    Events.security(Events.id(1), "VaultViaIrregularIp", 20.0, NOW.toEpochMilli() - 2000),
                    Events.security(Events.id(2), "VaultViaIrregularIp", 20.0, NOW.toEpochMilli() - 1000)));

            poll(STREAM);

            assertThat(logonRequests()).hasSize(2);
            assertThat(authorizationOfEventRequests()).containsExactly("token-1", "token-2");
            assertThat(eventRequests()).extracting(LoggedRequest::getUrl).as("the retry is the same call")
                    .containsExactly(eventRequests().get(0).getUrl(), eventRequests().get(0).getUrl())
                    .allSatisfy(url -> assertThat(url).contains("fromUpdateDate="));
            assertThat(deliveredIds()).containsExactlyInAnyOrder(Events.id(1), Events.id(2));
            assertThat(watermarks().get(STREAM)).hasValue(NOW.toEpochMilli() - 1000);
            assertThat(pollFailures()).isEmpty();

            // the new token is kept for the next poll
            poll(STREAM);
            assertThat(logonRequests()).hasSize(2);
            assertThat(authorizationOfEventRequests()).containsExactly("token-1", "token-2", "token-2");
        }

        @Test
        void tokenRefusedAgainAfterTheReLogonFailsThePollWithoutLoopingAndTheNextPollRuns() throws Exception {
            stubLogons("token-1", "token-2");
            PVWA.stubFor(get(urlPathEqualTo(EVENTS)).willReturn(aResponse().withStatus(401)
                    .withHeader("Content-Type", "application/json").withBody(TOKEN_EXPIRED)));

            poll(STREAM);

            assertThat(logonRequests()).hasSize(2);
            assertThat(authorizationOfEventRequests()).containsExactly("token-1", "token-2");
            assertThat(pollFailures()).singleElement().isInstanceOfSatisfying(HttpOperationFailedException.class,
                    e -> assertThat(e.getStatusCode()).isEqualTo(401));
            assertThat(fileEnvelopes(STREAM)).isEmpty();
            assertThat(jmsMessages()).isEmpty();
            assertThat(webhookRequests()).isEmpty();
            assertThat(watermarks().get(STREAM)).isEmpty();

            poll(STREAM);

            // the next poll runs as usual: one call, one re-logon, one retry
            assertThat(eventRequests()).hasSize(4);
            assertThat(logonRequests()).hasSize(3);
            assertThat(pollFailures()).hasSize(2);
            assertThat(watermarks().get(STREAM)).isEmpty();
        }

        @Test
        void contextStopLogsOffTheSession() throws Exception {
            stubLogon(TOKEN);
            stubSecurityEvents("[]");
            poll(STREAM);
            PVWA.verify(0, postRequestedFor(urlPathEqualTo(LOGOFF)));

            context.stop();

            PVWA.verify(1, postRequestedFor(urlPathEqualTo(LOGOFF)).withHeader("Authorization", equalTo(TOKEN)));
        }

        @Test
        void passwordAndTokensNeverLeaveTheLogonAndThePtaCalls() throws Exception {
            stubLogons("token-1", "token-2");
            stubEventsFor("token-1", 401, TOKEN_EXPIRED);
            stubEventsFor("token-2", 200, Events.array(
                    Events.security(Events.id(1), "SuspectedCredentialsTheft", 90.0, NOW.toEpochMilli() - 2000),
                    Events.security(Events.id(2), "VaultViaIrregularIp", 50.0, NOW.toEpochMilli() - 1000)));
            WEBHOOK.stubFor(post(urlPathEqualTo("/hooks/pta")).willReturn(ok()));

            poll(STREAM);

            // every sink got something, so there is something to look at
            assertThat(sinksThatReceived(STREAM, Events.id(1))).containsExactlyInAnyOrder("file", "jms", "webhook", "email");
            assertThat(authorizationOfEventRequests()).containsExactly("token-1", "token-2");

            List<String> secrets = List.of(PASSWORD, "token-1", "token-2");

            for (ServeEvent served : PVWA.getAllServeEvents()) {
                LoggedRequest request = served.getRequest();
                boolean logon = request.getUrl().matches(LOGON_ANY);
                assertThat(request.getUrl()).as("URL of %s", request.getUrl()).doesNotContain(PASSWORD);
                assertThat(headerText(request)).as("headers of %s", request.getUrl()).doesNotContain(PASSWORD);
                if (logon) {
                    assertThat(request.getBodyAsString()).contains(PASSWORD);
                } else {
                    assertThat(request.getBodyAsString()).as("body of %s", request.getUrl()).doesNotContain(PASSWORD);
                }
            }

            String files = sinkFiles();
            assertThat(files).contains(Events.id(1));
            secrets.forEach(secret -> assertThat(files).as("file sink").doesNotContain(secret));

            List<JmsMessage> messages = jmsMessages();
            assertThat(messages).hasSize(2);
            for (JmsMessage message : messages) {
                secrets.forEach(secret -> {
                    assertThat(message.text()).as("JMS body").doesNotContain(secret);
                    assertThat(message.properties().toString()).as("JMS properties").doesNotContain(secret);
                });
                assertThat(message.properties()).doesNotContainKey("Authorization");
            }

            List<LoggedRequest> hooks = webhookRequests();
            assertThat(hooks).hasSize(2);
            for (LoggedRequest hook : hooks) {
                // the webhook's own configured Authorization header is fine; PTA's is not
                assertThat(hook.getHeader("Authorization")).isEqualTo("Bearer hook-token");
                secrets.forEach(secret -> {
                    assertThat(headerText(hook)).as("webhook headers").doesNotContain(secret);
                    assertThat(hook.getBodyAsString()).as("webhook body").doesNotContain(secret);
                    assertThat(hook.getUrl()).as("webhook URL").doesNotContain(secret);
                });
            }

            MimeMessage[] mails = mails();
            assertThat(mails).isNotEmpty();
            for (MimeMessage mail : mails) {
                ByteArrayOutputStream raw = new ByteArrayOutputStream();
                mail.writeTo(raw);
                String text = raw.toString(StandardCharsets.UTF_8);
                secrets.forEach(secret -> assertThat(text).as("mail").doesNotContain(secret));
            }
        }

        private static String headerText(LoggedRequest request) {
            StringBuilder text = new StringBuilder();
            for (HttpHeader header : request.getHeaders().all()) {
                text.append(header.key()).append(": ").append(header.values()).append('\n');
            }
            return text.toString();
        }

        /** Every line of every file the file sinks wrote (events and rejected events). */
        private String sinkFiles() throws Exception {
            StringBuilder text = new StringBuilder();
            List<Path> files = new ArrayList<>();
            try (Stream<Path> walk = Files.walk(work)) {
                walk.filter(Files::isRegularFile).filter(f -> f.toString().endsWith(".ndjson")).forEach(files::add);
            }
            for (Path file : files) {
                text.append(Files.readString(file, StandardCharsets.UTF_8));
            }
            return text.toString();
        }
    }

    @Nested
    class RejectedCredentials extends PvwaRouter {
        @BeforeEach
        void vaultRefusesThePassword() {
            PVWA.stubFor(post(urlPathMatching(LOGON_ANY)).willReturn(aResponse().withStatus(403)
                    .withHeader("Content-Type", "application/json").withBody(WRONG_PASSWORD)));
            stubSecurityEvents(Events.array(
                    Events.security(Events.id(1), "VaultViaIrregularIp", 20.0, NOW.toEpochMilli() - 1000)));
        }

        @Test
        void pollFailsAndNoLogonIsAttemptedAgainUntilTheRetryDelayHasPassed() throws Exception {
            poll(STREAM);

            assertThat(logonRequests()).hasSize(1);
            assertThat(eventRequests()).isEmpty();
            assertThat(fileEnvelopes(STREAM)).isEmpty();
            assertThat(pollFailures()).singleElement().isInstanceOfSatisfying(LogonException.class, e -> {
                assertThat(e.getMessage()).contains("PASWS013E").doesNotContain(PASSWORD);
                assertThat(e.credentialsRejected()).isTrue();
            });

            poll(STREAM);

            assertThat(logonRequests()).as("no new logon within the retry delay").hasSize(1);
            assertThat(eventRequests()).isEmpty();
            assertThat(pollFailures()).hasSize(2);
            assertThatThrownBy(() -> tokens().authorization())
                    .isInstanceOf(LogonException.class)
                    .hasMessageContaining("PASWS013E")
                    .message().doesNotContain(PASSWORD);
            assertThat(logonRequests()).hasSize(1);

            clock.advance(Duration.ofMinutes(14));
            poll(STREAM);
            assertThat(logonRequests()).as("still within pta.auth.logon-retry-delay (15m)").hasSize(1);

            clock.advance(Duration.ofSeconds(61));
            poll(STREAM);
            assertThat(logonRequests()).as("the retry delay has passed").hasSize(2);
            assertThat(eventRequests()).isEmpty();
        }

        @Test
        void aLogonAfterTheRetryDelayThatSucceedsResumesPolling() throws Exception {
            poll(STREAM);
            assertThat(logonRequests()).hasSize(1);

            stubLogon(TOKEN); // the password was fixed in the vault
            clock.advance(Duration.ofMinutes(15).plusSeconds(1));
            poll(STREAM);

            assertThat(logonRequests()).hasSize(2);
            assertThat(authorizationOfEventRequests()).containsExactly(TOKEN);
            assertThat(fileEnvelopes(STREAM)).extracting(e -> e.path("metadata").path("id").asText())
                    .containsExactly(Events.id(1));
        }
    }
}
