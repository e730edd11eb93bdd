package io.ptarouter.routing;

import static com.github.tomakehurst.wiremock.client.WireMock.ok;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import io.ptarouter.testing.Events;
import io.ptarouter.testing.RouterTestSupport;

/** The default routing policy, case by case: which sinks get an event of a given type and score, and which do not. */
class RoutingMatrixTest extends RouterTestSupport {

    private static final Set<String> FILE_JMS = Set.of("file", "jms");
    private static final Set<String> PLUS_WEBHOOK = Set.of("file", "jms", "webhook");
    private static final Set<String> PLUS_EMAIL = Set.of("file", "jms", "email");
    private static final Set<String> ALL = Set.of("file", "jms", "webhook", "email");

    private record Case(String type, Double score, Set<String> sinks) {
    }

    private static final List<Case> MATRIX = List.of(
            new Case("PSMSuspiciousActivity", 0.0, FILE_JMS),
            new Case("PSMSuspiciousActivity", 34.999999, FILE_JMS),
            new Case("PSMSuspiciousActivity", 35.0, PLUS_WEBHOOK),
            new Case("VaultViaIrregularIp", 29.414062500000004, FILE_JMS),
            new Case("VaultViaIrregularIp", 74.99, PLUS_WEBHOOK),
            new Case("VaultViaIrregularIp", 75.0, ALL),
            new Case("InteractiveLogonWithServiceAccount", 99.5, ALL),
            new Case("InteractiveLogonWithServiceAccount", null, FILE_JMS),
            new Case("SuspectedCredentialsTheft", 5.0, PLUS_EMAIL),
            new Case("SuspectedCredentialsTheft", 50.0, ALL),
            new Case("SuspectedCredentialsTheft", 90.0, ALL),
            new Case("SuspectedCredentialsTheft", null, PLUS_EMAIL));

    @BeforeEach
    void peers() {
        stubLogon(TOKEN);
        WEBHOOK.stubFor(post(urlPathEqualTo("/hooks/pta")).willReturn(ok()));
    }

    @Test
    void eachTypeAndScoreReachesExactlyTheSinksThePolicyNames() throws Exception {
        List<JsonNode> events = new ArrayList<>();
        for (int i = 0; i < MATRIX.size(); i++) {
            Case c = MATRIX.get(i);
            events.add(Events.security(Events.id(i + 1), c.type(), c.score(), NOW.toEpochMilli() - 1000 + i));
        }
        stubSecurityEvents(Events.array(events));

        poll("security-events");

        SoftAssertions softly = new SoftAssertions();
        for (int i = 0; i < MATRIX.size(); i++) {
            Case c = MATRIX.get(i);
            softly.assertThat(sinksThatReceived("security-events", Events.id(i + 1)))
                    .as("%s with score %s", c.type(), c.score())
                    .containsExactlyInAnyOrderElementsOf(c.sinks());
        }
        softly.assertAll();
        // one copy per sink, no more
        assertThat(fileEnvelopes("security-events")).hasSize(MATRIX.size());
        assertThat(jmsMessages()).hasSize(MATRIX.size());
        assertThat(webhookRequests()).hasSize((int) MATRIX.stream().filter(c -> c.sinks().contains("webhook")).count());
        assertThat(mails()).hasSize((int) MATRIX.stream().filter(c -> c.sinks().contains("email")).count());
    }

    @Test
    void riskEventsGoThroughTheSameRouterByTheirRiskType() throws Exception {
        PVWA.stubFor(com.github.tomakehurst.wiremock.client.WireMock.get(
                        urlPathEqualTo("/PasswordVault/API/pta/API/Risks/RisksEvents/"))
                .willReturn(com.github.tomakehurst.wiremock.client.WireMock.okJson("{\"entities\":["
                        + Events.risk("r-low", "RISK_RISKY_SPN", 20.5, NOW.toEpochMilli()) + ","
                        + Events.risk("r-high", "RISK_UNCONSTRAINED_DELEGATION", 80.25, NOW.toEpochMilli())
                        + "],\"totalEntities\":2,\"page\":0,\"size\":100,\"totalPages\":1}")));

        poll("risk-events");

        assertThat(sinksThatReceived("risk-events", "r-low")).containsExactlyInAnyOrder("file", "jms");
        assertThat(sinksThatReceived("risk-events", "r-high")).containsExactlyInAnyOrder("file", "jms", "webhook", "email");
        JsonNode high = fileEnvelopes("risk-events").stream()
                .filter(e -> e.path("metadata").path("id").asText().equals("r-high")).findFirst().orElseThrow();
        assertThat(high.path("metadata").path("type").asText()).isEqualTo("RISK_UNCONSTRAINED_DELEGATION");
        assertThat(high.path("metadata").path("severity").asText()).isEqualTo("high");
    }
}
