package io.ptarouter.pta;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.ok;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static com.github.tomakehurst.wiremock.stubbing.Scenario.STARTED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Named.named;

import java.net.ServerSocket;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.stream.Stream;

import org.apache.camel.CamelExecutionException;
import org.apache.camel.http.base.HttpOperationFailedException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.http.Fault;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;

import io.ptarouter.testing.Events;
import io.ptarouter.testing.LogCapture;
import io.ptarouter.testing.RouterTestSupport;

/**
 * PTA and the PVWA in front of it fail now and then: an overloaded node answers 503 or 429, a load
 * balancer resets a connection, an answer never comes. Such a call is tried again after a growing
 * wait (or as long as PTA asks with Retry-After), a bounded number of times; the events arrive once
 * the fault clears, and none twice. What is not passing (404, a wait PTA asks for beyond the
 * maximum, a truncated answer) fails the poll at once, the watermark stays, and the next poll reads
 * from there again.
 */
class PtaFaultsTest extends RouterTestSupport {

    private static final String STREAM = "security-events";
    private static final String EVENTS = "/PasswordVault/API/pta/API/Events/";
    private static final String RISKS = "/PasswordVault/API/pta/API/Risks/RisksEvents/";
    private static final long T0 = NOW.toEpochMilli() - 60_000;
    private static final long RETRY_DELAY_MS = 50;
    private static final int MAX_RETRIES = 3;
    private static final DateTimeFormatter HTTP_DATE = DateTimeFormatter.RFC_1123_DATE_TIME.withZone(ZoneOffset.UTC);

    /** High (every sink, email too) and medium (file, JMS, webhook). */
    private static final ObjectNode HIGH = Events.security(Events.id(1), "SuspectedCredentialsTheft", 90.0, T0);
    private static final ObjectNode MEDIUM = Events.security(Events.id(2), "VaultViaIrregularIp", 50.0, T0 + 1);

    @RegisterExtension
    final LogCapture log = new LogCapture();

    @Override
    protected Map<String, String> settings() {
        return Map.of(
                "pta.http.read-timeout", "1s",
                "pta.http.retry-delay", RETRY_DELAY_MS + "ms",
                "pta.http.max-retry-delay", "3s",
                "pta.http.max-retries", Integer.toString(MAX_RETRIES));
    }

    @BeforeEach
    void peers() {
        stubLogon(TOKEN);
        WEBHOOK.stubFor(post(urlPathEqualTo("/hooks/pta")).willReturn(ok()));
    }

    // ---- passing faults: retried, and every event arrives once -------------------------------

    static Stream<Arguments> passingFaults() {
        return Stream.of(
                Arguments.of(named("500", aResponse().withStatus(500)), "PTA answered 500"),
                Arguments.of(named("502", aResponse().withStatus(502)), "PTA answered 502"),
                Arguments.of(named("503", aResponse().withStatus(503).withBody("{\"ErrorCode\":\"X\"}")), "PTA answered 503"),
                Arguments.of(named("504", aResponse().withStatus(504)), "PTA answered 504"),
                Arguments.of(named("429 without Retry-After", aResponse().withStatus(429)), "PTA answered 429"),
                Arguments.of(named("503 with a malformed Retry-After", aResponse().withStatus(503)
                        .withHeader("Retry-After", "soon")), "PTA answered 503"),
                Arguments.of(named("connection reset", aResponse().withFault(Fault.CONNECTION_RESET_BY_PEER)),
                        "PTA call failed (SocketException: Connection reset"),
                Arguments.of(named("no answer", aResponse().withFault(Fault.EMPTY_RESPONSE)),
                        "PTA call failed (NoHttpResponseException"),
                Arguments.of(named("read timeout", okJson("[]").withFixedDelay(2500)),
                        "PTA call failed (SocketTimeoutException: Read timed out"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("passingFaults")
    void aCallThatFailsTwiceIsRetriedWithGrowingWaitsAndEveryEventArrivesOnce(ResponseDefinitionBuilder fault,
                                                                            String logged) throws Exception {
        eventsFailThenAnswer(Events.array(HIGH, MEDIUM), fault, fault);

        poll(STREAM);

        assertThat(pollFailures()).isEmpty();
        List<LoggedRequest> calls = eventRequests();
        assertThat(calls).hasSize(3);
        assertThat(calls).extracting(LoggedRequest::getUrl).as("each retry is the same call").containsOnly(calls.get(0).getUrl());
        assertThat(calls).extracting(r -> r.getHeader("Authorization")).containsOnly(TOKEN);
        assertThat(gapsMillis(calls)).satisfiesExactly(
                first -> assertThat(first).isGreaterThanOrEqualTo(RETRY_DELAY_MS),
                second -> assertThat(second).isGreaterThanOrEqualTo(2 * RETRY_DELAY_MS));
        assertThat(log.text())
                .contains(logged).contains("retrying in 50 ms (attempt 2 of 4)").contains("retrying in 100 ms (attempt 3 of 4)")
                .doesNotContain(TOKEN).doesNotContain("fromUpdateDate");
        assertEveryEventArrivedOnce(HIGH, MEDIUM);
        assertThat(watermark()).hasValue(T0 + 1);
        assertThat(logonRequests()).hasSize(1);
    }

    @Test
    void theWaitDoublesForEachRetry() throws Exception {
        ResponseDefinitionBuilder unavailable = aResponse().withStatus(503);
        eventsFailThenAnswer(Events.array(HIGH), unavailable, unavailable, unavailable);

        poll(STREAM);

        assertThat(pollFailures()).isEmpty();
        assertThat(gapsMillis(eventRequests())).hasSize(3).satisfiesExactly(
                g -> assertThat(g).isGreaterThanOrEqualTo(RETRY_DELAY_MS),
                g -> assertThat(g).isGreaterThanOrEqualTo(2 * RETRY_DELAY_MS),
                g -> assertThat(g).isGreaterThanOrEqualTo(4 * RETRY_DELAY_MS));
        assertThat(log.text()).contains("PTA answered 503, retrying in 200 ms (attempt 4 of 4)");
        assertEveryEventArrivedOnce(HIGH);
    }

    @Test
    void aRiskEventsPageThatFailsIsRetriedAndThePagesAfterItAreRead() throws Exception {
        ObjectNode risk0 = Events.risk("risk-0", "RISK_RISKY_SPN", 80.0, T0);
        ObjectNode risk1 = Events.risk("risk-1", "RISK_RISKY_SPN", 80.0, T0 + 1);
        PVWA.stubFor(get(urlPathEqualTo(RISKS)).withQueryParam("page", equalTo("0")).willReturn(okJson(riskPage(0, risk0))));
        PVWA.stubFor(get(urlPathEqualTo(RISKS)).withQueryParam("page", equalTo("1")).inScenario("page 1")
                .whenScenarioStateIs(STARTED).willReturn(aResponse().withStatus(502)).willSetStateTo("recovered"));
        PVWA.stubFor(get(urlPathEqualTo(RISKS)).withQueryParam("page", equalTo("1")).inScenario("page 1")
                .whenScenarioStateIs("recovered").willReturn(okJson(riskPage(1, risk1))));

        poll("risk-events");

        assertThat(pollFailures()).isEmpty();
        assertThat(PVWA.findAll(getRequestedFor(urlPathEqualTo(RISKS))))
                .extracting(r -> r.queryParameter("page").firstValue()).containsExactly("0", "1", "1");
        assertThat(fileEnvelopes("risk-events")).extracting(e -> e.path("metadata").path("id").asText())
                .containsExactly("risk-0", "risk-1");
        assertThat(jmsMessages()).hasSize(2);
    }

    // ---- Retry-After ------------------------------------------------------------------------

    @Test
    void a429WithRetryAfterInSecondsIsRetriedNoSoonerThanAsked() throws Exception {
        eventsFailThenAnswer(Events.array(HIGH, MEDIUM), aResponse().withStatus(429).withHeader("Retry-After", "1"));

        poll(STREAM);

        assertThat(pollFailures()).isEmpty();
        assertThat(gapsMillis(eventRequests())).singleElement().satisfies(gap -> assertThat(gap).isGreaterThanOrEqualTo(1000));
        assertThat(log.text()).contains("PTA answered 429, retrying in 1 s (attempt 2 of 4)");
        assertEveryEventArrivedOnce(HIGH, MEDIUM);
    }

    @Test
    void a503WithRetryAfterAsAnHttpDateIsRetriedNoSoonerThanThatDate() throws Exception {
        // PTA's clock runs far from ours: the date counts from the answer's own Date header.
        Instant ptaNow = Instant.parse("2031-05-05T12:00:00Z");
        eventsFailThenAnswer(Events.array(HIGH, MEDIUM), aResponse().withStatus(503)
                .withHeader("Date", HTTP_DATE.format(ptaNow))
                .withHeader("Retry-After", HTTP_DATE.format(ptaNow.plusSeconds(2))));

        poll(STREAM);

        assertThat(pollFailures()).isEmpty();
        assertThat(gapsMillis(eventRequests())).singleElement().satisfies(gap -> assertThat(gap).isGreaterThanOrEqualTo(2000));
        assertThat(log.text()).contains("PTA answered 503, retrying in 2 s (attempt 2 of 4)");
        assertEveryEventArrivedOnce(HIGH, MEDIUM);
    }

    @Test
    void aRetryAfterLongerThanTheMaximumFailsThePollAtOnceSayingSoAndTheNextPollReads() throws Exception {
        pollOnce(Events.security(Events.id(9), "VaultViaIrregularIp", 50.0, T0 - 10));
        eventsFailThenAnswer(Events.array(HIGH, MEDIUM), aResponse().withStatus(503).withHeader("Retry-After", "3600"));

        long started = System.nanoTime();
        poll(STREAM);
        Duration took = Duration.ofNanos(System.nanoTime() - started);

        assertThat(took).as("the poll does not wait for PTA").isLessThan(Duration.ofSeconds(3));
        assertThat(eventRequests()).as("the first poll's call and this one's, not retried").hasSize(2);
        assertThat(pollFailures()).singleElement().isInstanceOfSatisfying(PtaBusyException.class, e -> {
            assertThat(e.getMessage()).contains("PTA answered 503").contains("asked to wait 3600 s (Retry-After)")
                    .contains("pta.http.max-retry-delay (3 s)");
            assertThat(e.getCause()).isInstanceOf(HttpOperationFailedException.class);
        });
        assertThat(log.text()).contains("security-events poll failed").contains("asked to wait 3600 s");
        assertThat(watermark()).hasValue(T0 - 10);

        poll(STREAM);

        assertThat(lastEventRequest().queryParameter("fromUpdateDate").firstValue()).isEqualTo(Long.toString(T0 - 10 - OVERLAP_MILLIS));
        assertEveryEventArrivedOnce(Events.security(Events.id(9), "VaultViaIrregularIp", 50.0, T0 - 10), HIGH, MEDIUM);
        assertThat(watermark()).hasValue(T0 + 1);
    }

    // ---- what is not retried ----------------------------------------------------------------

    @Test
    void a404IsNotRetriedAndFailsThePoll() throws Exception {
        eventsFailThenAnswer(Events.array(HIGH), aResponse().withStatus(404).withBody("{\"ErrorCode\":\"PASWS041E\"}"));

        poll(STREAM);

        assertThat(eventRequests()).hasSize(1);
        assertThat(pollFailures()).singleElement().isInstanceOfSatisfying(HttpOperationFailedException.class,
                e -> assertThat(e.getStatusCode()).isEqualTo(404));
        assertThat(log.text()).doesNotContain("retrying");
        assertThat(watermark()).isEmpty();
        assertThat(fileEnvelopes(STREAM)).isEmpty();
    }

    @Test
    void retriesAreBoundedThenThePollFailsWithPtasAnswerAndTheWatermarkStays() throws Exception {
        pollOnce(Events.security(Events.id(9), "VaultViaIrregularIp", 50.0, T0 - 10));
        PVWA.stubFor(get(urlPathEqualTo(EVENTS)).willReturn(aResponse().withStatus(503)));

        poll(STREAM);

        assertThat(eventRequests()).as("the first poll's call, then 1 + max-retries").hasSize(1 + 1 + MAX_RETRIES);
        assertThat(pollFailures()).singleElement().isInstanceOfSatisfying(HttpOperationFailedException.class,
                e -> assertThat(e.getStatusCode()).isEqualTo(503));
        assertThat(log.text()).contains("attempt 4 of 4").doesNotContain("attempt 5")
                .contains("security-events poll failed").contains("statusCode: 503");
        assertThat(watermark()).hasValue(T0 - 10);

        stubSecurityEvents(Events.array(HIGH, MEDIUM));
        poll(STREAM);

        assertThat(lastEventRequest().queryParameter("fromUpdateDate").firstValue()).isEqualTo(Long.toString(T0 - 10 - OVERLAP_MILLIS));
        assertThat(pollFailures()).hasSize(1);
        assertEveryEventArrivedOnce(Events.security(Events.id(9), "VaultViaIrregularIp", 50.0, T0 - 10), HIGH, MEDIUM);
    }

    @Test
    void aTruncatedAnswerIsNotRetriedButFailsThePollAndTheNextPollDeliversWhatWasMissingOnce() throws Exception {
        String full = Events.array(HIGH, MEDIUM);
        String cut = full.substring(0, full.indexOf(Events.id(2)) + 10);
        eventsFailThenAnswer(full, okJson(cut));

        poll(STREAM);

        assertThat(eventRequests()).hasSize(1);
        assertThat(pollFailures()).singleElement().isInstanceOf(MalformedResponseException.class);
        assertThat(watermark()).isEmpty();

        poll(STREAM);

        assertThat(pollFailures()).hasSize(1);
        assertEveryEventArrivedOnce(HIGH, MEDIUM);
        assertThat(watermark()).hasValue(T0 + 1);
    }

    @Test
    void camelHttpThrowsARetriedFailureWhenThePvwaRefusesTheConnection() throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        Exception refused = null;
        try {
            template.sendBody("http://127.0.0.1:" + closedPort + "/PasswordVault/API/pta/API?httpClientConfigurer=#ptaTransport", null);
        } catch (CamelExecutionException e) {
            refused = (Exception) e.getCause();
        }

        assertThat(refused).isInstanceOf(java.net.ConnectException.class);
        assertThat(TransientFailures.describeTransient(refused)).hasValueSatisfying(
                what -> assertThat(what).startsWith("PTA call failed (HttpHostConnectException"));
    }

    // ---- the re-logon on 401/403 is not a retry ---------------------------------------------

    @Test
    void a401IsAnsweredWithOneReLogonAndAFailureAfterItIsRetriedWithTheNewToken() throws Exception {
        stubLogons("token-1", "token-2");
        PVWA.stubFor(get(urlPathEqualTo(EVENTS)).withHeader("Authorization", equalTo("token-1"))
                .willReturn(aResponse().withStatus(401)));
        PVWA.stubFor(get(urlPathEqualTo(EVENTS)).withHeader("Authorization", equalTo("token-2")).inScenario("pta")
                .whenScenarioStateIs(STARTED).willReturn(aResponse().withStatus(503)).willSetStateTo("recovered"));
        PVWA.stubFor(get(urlPathEqualTo(EVENTS)).withHeader("Authorization", equalTo("token-2")).inScenario("pta")
                .whenScenarioStateIs("recovered").willReturn(okJson(Events.array(HIGH, MEDIUM))));

        poll(STREAM);

        assertThat(pollFailures()).isEmpty();
        assertThat(logonRequests()).hasSize(2);
        assertThat(eventRequests()).extracting(r -> r.getHeader("Authorization")).containsExactly("token-1", "token-2", "token-2");
        assertEveryEventArrivedOnce(HIGH, MEDIUM);
    }

    @Test
    void aCallLogsOnAgainAtMostOnceWhateverItsRetries() throws Exception {
        stubLogons("token-1", "token-2");
        PVWA.stubFor(get(urlPathEqualTo(EVENTS)).withHeader("Authorization", equalTo("token-1"))
                .willReturn(aResponse().withStatus(401)));
        // after the re-logon: 503, then the new token is refused too
        PVWA.stubFor(get(urlPathEqualTo(EVENTS)).withHeader("Authorization", equalTo("token-2")).inScenario("pta")
                .whenScenarioStateIs(STARTED).willReturn(aResponse().withStatus(503)).willSetStateTo("refusing"));
        PVWA.stubFor(get(urlPathEqualTo(EVENTS)).withHeader("Authorization", equalTo("token-2")).inScenario("pta")
                .whenScenarioStateIs("refusing").willReturn(aResponse().withStatus(401)));

        poll(STREAM);

        assertThat(logonRequests()).as("the first logon and one re-logon").hasSize(2);
        assertThat(eventRequests()).extracting(r -> r.getHeader("Authorization")).containsExactly("token-1", "token-2", "token-2");
        assertThat(pollFailures()).singleElement().isInstanceOfSatisfying(HttpOperationFailedException.class,
                e -> assertThat(e.getStatusCode()).isEqualTo(401));
        assertThat(watermark()).isEmpty();
        assertThat(fileEnvelopes(STREAM)).isEmpty();
    }

    @Test
    void aLogonForTheCallThatLosesItsConnectionIsTriedAgainWithTheCall() throws Exception {
        String logon = "/PasswordVault/API/auth/[A-Za-z]+/Logon";
        PVWA.stubFor(post(urlPathMatching(logon)).inScenario("logon").whenScenarioStateIs(STARTED)
                .willReturn(aResponse().withFault(Fault.CONNECTION_RESET_BY_PEER)).willSetStateTo("up"));
        PVWA.stubFor(post(urlPathMatching(logon)).inScenario("logon").whenScenarioStateIs("up")
                .willReturn(okJson("\"" + TOKEN + "\"")));
        stubSecurityEvents(Events.array(HIGH, MEDIUM));

        poll(STREAM);

        assertThat(pollFailures()).isEmpty();
        assertThat(logonRequests()).hasSize(2);
        assertThat(eventRequests()).hasSize(1);
        assertThat(log.text()).contains("PVWA logon failed (SocketException: Connection reset), retrying in 50 ms (attempt 2 of 4)")
                .doesNotContain(PASSWORD);
        assertEveryEventArrivedOnce(HIGH, MEDIUM);
    }

    // ---- helpers ------------------------------------------------------------------------------

    /** The security events call answers with each fault in turn, then with {@code body}. */
    private static void eventsFailThenAnswer(String body, ResponseDefinitionBuilder... faults) {
        String state = STARTED;
        for (int i = 0; i < faults.length; i++) {
            String next = "failed " + (i + 1);
            PVWA.stubFor(get(urlPathEqualTo(EVENTS)).inScenario("pta").whenScenarioStateIs(state)
                    .willReturn(faults[i]).willSetStateTo(next));
            state = next;
        }
        PVWA.stubFor(get(urlPathEqualTo(EVENTS)).inScenario("pta").whenScenarioStateIs(state).willReturn(okJson(body)));
    }

    private static void stubLogons(String first, String then) {
        String logon = "/PasswordVault/API/auth/[A-Za-z]+/Logon";
        PVWA.stubFor(post(urlPathMatching(logon)).inScenario("logon").whenScenarioStateIs(STARTED)
                .willReturn(okJson("\"" + first + "\"")).willSetStateTo("logged on again"));
        PVWA.stubFor(post(urlPathMatching(logon)).inScenario("logon").whenScenarioStateIs("logged on again")
                .willReturn(okJson("\"" + then + "\"")));
    }

    private static String riskPage(int page, ObjectNode risk) {
        ObjectNode answer = JSON.createObjectNode();
        ArrayNode entities = answer.putArray("entities");
        entities.add(risk);
        answer.put("totalEntities", 2).put("page", page).put("size", 1).put("totalPages", 2);
        return answer.toString();
    }

    private void pollOnce(ObjectNode... events) throws Exception {
        stubSecurityEvents(Events.array(events));
        poll(STREAM);
        assertThat(pollFailures()).isEmpty();
    }

    /** Milliseconds between one call and the next, as the fake PVWA received them. */
    private static List<Long> gapsMillis(List<LoggedRequest> calls) {
        List<Long> gaps = new ArrayList<>();
        for (int i = 1; i < calls.size(); i++) {
            gaps.add(calls.get(i).getLoggedDate().getTime() - calls.get(i - 1).getLoggedDate().getTime());
        }
        return gaps;
    }

    /** The file sink, JMS and the webhook each got every one of these event versions exactly once, and nothing else. */
    private void assertEveryEventArrivedOnce(ObjectNode... events) throws Exception {
        List<String> expected = Stream.of(events)
                .map(e -> e.path("id").asText() + "@" + e.path("lastUpdateTime").asLong()).toList();
        assertThat(fileEnvelopes(STREAM)).extracting(PtaFaultsTest::version).as("file sink")
                .containsExactlyInAnyOrderElementsOf(expected);
        assertThat(jmsMessages()).extracting(m -> version(m.envelope())).as("JMS")
                .containsExactlyInAnyOrderElementsOf(expected);
        List<String> hooks = new ArrayList<>();
        for (LoggedRequest hook : webhookRequests()) {
            hooks.add(version(JSON.readTree(hook.getBodyAsString())));
        }
        assertThat(hooks).as("webhook").containsExactlyInAnyOrderElementsOf(expected);
    }

    private static String version(JsonNode envelope) {
        return envelope.path("metadata").path("id").asText() + "@" + envelope.path("metadata").path("version").asLong();
    }

    private OptionalLong watermark() {
        return watermarks().get(STREAM);
    }

    private static LoggedRequest lastEventRequest() {
        List<LoggedRequest> requests = eventRequests();
        return requests.get(requests.size() - 1);
    }
}
