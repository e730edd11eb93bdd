package io.ptarouter.update;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.equalToJson;
import static com.github.tomakehurst.wiremock.client.WireMock.patch;
import static com.github.tomakehurst.wiremock.client.WireMock.patchRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;

import org.apache.camel.Exchange;
import org.junit.jupiter.api.Test;

import com.github.tomakehurst.wiremock.stubbing.Scenario;

import io.ptarouter.testing.RouterTestSupport;

/** The update sink against a fake PVWA that misbehaves as the simulator cannot: busy, or refusing every session. */
class EventUpdateRetryTest extends RouterTestSupport {

    private static final String ID = "5f0c1a2b3c4d5e6f70819203";
    private static final String PATH = "/PasswordVault/API/pta/API/Events/" + ID;

    @Override
    protected Map<String, String> settings() {
        return Map.of("pta.http.retry-delay", "10ms", "pta.http.max-retry-delay", "50ms",
                "pta.sink.email.enabled", "false", "pta.sink.webhook.enabled", "false");
    }

    @Test
    void aPtaAnswering503IsTriedAgainAndTheSecondAnswerGoesBack() throws Exception {
        stubLogon(TOKEN);
        PVWA.stubFor(patch(urlPathEqualTo(PATH)).inScenario("busy").whenScenarioStateIs(Scenario.STARTED)
                .willReturn(aResponse().withStatus(503)).willSetStateTo("recovered"));
        PVWA.stubFor(patch(urlPathEqualTo(PATH)).inScenario("busy").whenScenarioStateIs("recovered")
                .willReturn(aResponse().withStatus(200).withHeader("Content-Type", "application/json")
                        .withBody("{\"id\":\"" + ID + "\",\"mStatus\":\"CLOSED\",\"closeReason\":\"HANDLED\"}")));

        Exchange answer = template.request("kamelet:pta-event-update-sink", e -> e.getMessage()
                .setBody("{\"id\":\"" + ID + "\",\"status\":\"CLOSED\",\"closeReason\":\"HANDLED\"}"));

        assertThat(answer.getMessage().getHeader(EventUpdates.STATUS, Integer.class)).isEqualTo(200);
        assertThat(JSON.readTree(answer.getMessage().getBody(String.class)).path("mStatus").asText()).isEqualTo("CLOSED");
        PVWA.verify(2, patchRequestedFor(urlPathEqualTo(PATH)).withHeader("Authorization", equalTo(TOKEN))
                .withHeader("Content-Type", equalTo("application/json"))
                .withRequestBody(equalToJson("{\"mStatus\":\"CLOSED\",\"closeReason\":\"HANDLED\"}")));
    }

    @Test
    void aSessionRefusedAgainAfterANewLogonIsAFailureOfPtaRouterNotOfTheRequester() throws Exception {
        stubLogon(TOKEN);
        PVWA.stubFor(patch(urlPathEqualTo(PATH)).willReturn(aResponse().withStatus(401)
                .withHeader("Content-Type", "application/json")
                .withBody("{\"ErrorCode\":\"PASWS006E\",\"ErrorMessage\":\"User session has ended.\"}")));

        Exchange answer = template.request("kamelet:pta-event-update-sink", e -> e.getMessage()
                .setBody("{\"id\":\"" + ID + "\",\"status\":\"CLOSED\"}"));

        assertThat(answer.getMessage().getHeader(EventUpdates.STATUS, Integer.class)).isEqualTo(502);
        assertThat(JSON.readTree(answer.getMessage().getBody(String.class)).path("ErrorMessage").asText())
                .contains("PTA refused pta-router's session (401) after a new logon");
        PVWA.verify(2, patchRequestedFor(urlPathEqualTo(PATH)));
        assertThat(logonRequests()).hasSize(2);
    }
}
