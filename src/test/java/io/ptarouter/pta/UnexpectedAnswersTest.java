package io.ptarouter.pta;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.ok;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Named.named;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;

import io.ptarouter.testing.Events;
import io.ptarouter.testing.LogCapture;
import io.ptarouter.testing.RouterTestSupport;

/**
 * Only a 2xx JSON answer of the expected shape is read as PTA's answer: a redirect, no content, an
 * HTML page (a proxy's or a login form) or JSON of another shape fails the poll, named in its line
 * (status, content type, what was expected and what came), and the watermark stays. Before, a 302
 * with an empty body read as a successful poll of no events: alerting stopped without a word.
 */
class UnexpectedAnswersTest extends RouterTestSupport {

    private static final String EVENTS = "/PasswordVault/API/pta/API/Events/";
    private static final String RISKS = "/PasswordVault/API/pta/API/Risks/RisksEvents/";
    private static final long T0 = NOW.toEpochMilli() - 60_000;

    @RegisterExtension
    final LogCapture log = new LogCapture();

    @Override
    protected Map<String, String> settings() {
        return Map.of("pta.sink.email.enabled", "false", "pta.sink.webhook.enabled", "false",
                "pta.http.retry-delay", "10ms", "pta.http.max-retry-delay", "20ms",
                "pta.events.max-answer-size", getCurrentTestName().contains("LargerThan") ? "16KB" : "4GB");
    }

    @BeforeEach
    void peers() {
        stubLogon(TOKEN);
        WEBHOOK.stubFor(post(urlPathEqualTo("/hooks/pta")).willReturn(ok()));
    }

    static Stream<Arguments> securityEventsAnswers() {
        return Stream.of(
                Arguments.of(named("301 to another host", redirect(301)), List.of("status 301", "to https://elsewhere.example", "a 2xx with a JSON array")),
                Arguments.of(named("302 with an empty body", redirect(302)), List.of("status 302", "to https://elsewhere.example", "content type (none)")),
                Arguments.of(named("303", redirect(303)), List.of("status 303")),
                Arguments.of(named("307", redirect(307)), List.of("status 307")),
                Arguments.of(named("308", redirect(308)), List.of("status 308")),
                Arguments.of(named("304 without a body", aResponse().withStatus(304)), List.of("status 304")),
                Arguments.of(named("204 No Content", aResponse().withStatus(204)), List.of("status 204", "a 2xx with a JSON array of security events")),
                Arguments.of(named("200 JSON with an empty body", json("")), List.of("answer is empty", "expected a JSON array")),
                Arguments.of(named("200 JSON of blanks", json(" \n")), List.of("answer is empty", "expected a JSON array")),
                Arguments.of(named("200 text/html", aResponse().withStatus(200).withHeader("Content-Type", "text/html; charset=utf-8")
                        .withBody("<html><body>Please log in</body></html>")), List.of("status 200", "content type 'text/html'", "a JSON array")),
                Arguments.of(named("200 without a content type", aResponse().withStatus(200).withBody("[]")), List.of("content type (none)")),
                Arguments.of(named("200 a JSON object where the array belongs", json("{\"events\":[]}")),
                        List.of("not a JSON array but an object with fields events")),
                Arguments.of(named("200 a JSON string", json("\"[]\"")), List.of("not a JSON array but a VALUE_STRING")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("securityEventsAnswers")
    void aSecurityEventsAnswerThatIsNotA2xxJsonArrayFailsThePollNamingWhatCame(ResponseDefinitionBuilder answer,
                                                                             List<String> named) throws Exception {
        ObjectNode first = Events.security(Events.id(1), "VaultViaIrregularIp", 50.0, T0);
        stubSecurityEvents(Events.array(first));
        poll("security-events");
        assertThat(pollFailures()).isEmpty();

        PVWA.stubFor(get(urlPathEqualTo(EVENTS)).willReturn(answer));
        poll("security-events");

        assertThat(pollFailures()).singleElement().satisfies(failure ->
                assertThat(failure.getMessage()).contains(named));
        List<String> lines = log.text().lines().filter(l -> l.contains("security-events poll failed")).toList();
        assertThat(lines).singleElement().satisfies(line -> assertThat(line).contains(named)
                .contains("watermark stays at " + Instant.ofEpochMilli(T0)));
        assertThat(log.text()).doesNotContain("polled 0 security-events").doesNotContain(TOKEN);
        assertThat(watermarks().get("security-events")).hasValue(T0);

        ObjectNode second = Events.security(Events.id(2), "VaultViaIrregularIp", 50.0, T0 + 1);
        stubSecurityEvents(Events.array(first, second));
        poll("security-events");

        assertThat(pollFailures()).hasSize(1);
        assertThat(fileEnvelopes("security-events")).extracting(e -> e.path("metadata").path("id").asText())
                .containsExactly(Events.id(1), Events.id(2));
        assertThat(watermarks().get("security-events")).hasValue(T0 + 1);
    }

    static Stream<Arguments> riskEventsAnswers() {
        return Stream.of(
                Arguments.of(named("302", redirect(302)), List.of("status 302", "an 'entities' array of risk events")),
                Arguments.of(named("204", aResponse().withStatus(204)), List.of("status 204")),
                Arguments.of(named("200 text/html", aResponse().withStatus(200).withHeader("Content-Type", "text/html")
                        .withBody("<html/>")), List.of("content type 'text/html'")),
                Arguments.of(named("200 JSON with an empty body", json("")), List.of("page 0 is empty")),
                Arguments.of(named("200 without entities", json("{\"totalEntities\":3,\"totalPages\":1}")),
                        List.of("no 'entities' array", "an object with fields totalEntities, totalPages")),
                Arguments.of(named("200 entities as an object", json("{\"entities\":{\"id\":\"r1\"},\"totalPages\":1}")),
                        List.of("no 'entities' array", "'entities' as object")),
                Arguments.of(named("200 entities as a string", json("{\"entities\":\"r1\",\"totalPages\":1}")),
                        List.of("'entities' as string")),
                Arguments.of(named("200 an array where the page object belongs", json("[]")),
                        List.of("not a JSON object but array")),
                Arguments.of(named("200 a page of more than 16 MB", json(riskPage(20_000))),
                        List.of("exceeds the maximum allowed", "a page is held to 16 MB")),
                // 1.5 MB, but 500,000 empty objects: as a tree, far more than its bytes
                Arguments.of(named("200 a page of half a million empty risk events",
                        json("{\"entities\":[" + "{},".repeat(499_999) + "{}],\"totalPages\":1}")),
                        List.of("over a limit", "500000 JSON tokens")));
    }

    @org.junit.jupiter.api.Test
    void aSecurityEventsAnswerLargerThanTheLimitFailsThePollAndTheEventsBeforeItAreDelivered() throws Exception {
        List<ObjectNode> events = new java.util.ArrayList<>();
        for (int i = 1; i <= 100; i++) {
            events.add(Events.security(Events.id(i), "VaultViaIrregularIp", 50.0, T0 + i));
        }
        stubSecurityEvents(Events.array(events));

        poll("security-events");

        assertThat(pollFailures()).singleElement().satisfies(failure -> assertThat(failure.getMessage())
                .contains("longer than pta.events.max-answer-size (16384 bytes)"));
        assertThat(log.text().lines().filter(l -> l.contains("security-events poll failed")).toList()).hasSize(1);
        assertThat(fileEnvelopes("security-events")).as("the events read before the limit").isNotEmpty().hasSizeLessThan(100);
        assertThat(watermarks().get("security-events")).isEmpty();
    }

    /** A page of {@code n} risk events, about 900 bytes each. */
    private static String riskPage(int n) {
        StringBuilder page = new StringBuilder("{\"entities\":[");
        for (int i = 0; i < n; i++) {
            ObjectNode risk = Events.risk("risk-" + i, "RISK_RISKY_SPN", 80.0, T0 + i);
            risk.put("description", "x".repeat(750));
            page.append(i == 0 ? "" : ",").append(risk);
        }
        return page.append("],\"totalEntities\":").append(n).append(",\"totalPages\":1}").toString();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("riskEventsAnswers")
    void aRiskEventsAnswerThatIsNotA2xxJsonPageFailsThePollNamingWhatCame(ResponseDefinitionBuilder answer,
                                                                        List<String> named) throws Exception {
        PVWA.stubFor(get(urlPathEqualTo(RISKS)).willReturn(answer));

        poll("risk-events");

        assertThat(pollFailures()).singleElement().satisfies(failure -> assertThat(failure.getMessage()).contains(named));
        assertThat(log.text().lines().filter(l -> l.contains("risk-events poll failed")).toList())
                .singleElement().satisfies(line -> assertThat(line).contains(named));
        assertThat(log.text()).doesNotContain("polled 0 risk-events");
        assertThat(watermarks().get("risk-events")).isEmpty();
    }

    private static ResponseDefinitionBuilder redirect(int status) {
        return aResponse().withStatus(status).withHeader("Location", "https://elsewhere.example/PasswordVault/login?x=1");
    }

    private static ResponseDefinitionBuilder json(String body) {
        return aResponse().withStatus(200).withHeader("Content-Type", "application/json").withBody(body);
    }
}
