package io.ptarouter.update;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import org.apache.camel.Exchange;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

/** The Kamelet pta-event-update-sink against the PTA simulator: what a requester gets back, and what PTA now holds. */
class EventUpdateSinkTest extends SimulatorUpdateSupport {

    @Test
    void closesAndReopensASecurityEventEachAsANewVersion() throws Exception {
        String id = someSecurityEventId();
        long before = simulator.securityEventVersions().get(id);

        Exchange closed = update("{\"id\":\"" + id + "\",\"status\":\"CLOSED\"}");

        assertThat(status(closed)).isEqualTo(200);
        assertThat(body(closed).path("id").asText()).isEqualTo(id);
        assertThat(body(closed).path("mStatus").asText()).isEqualTo("CLOSED");
        long closedVersion = simulator.securityEventVersions().get(id);
        assertThat(closedVersion).isGreaterThan(before);

        Exchange reopened = update("{\"id\":\"" + id.toUpperCase() + "\",\"status\":\"open\"}");

        assertThat(status(reopened)).isEqualTo(200);
        assertThat(body(reopened).path("mStatus").asText()).isEqualTo("OPEN");
        assertThat(simulator.securityEventVersions().get(id)).isGreaterThan(closedVersion);
    }

    @Test
    void closesWithAReasonAndItsText() throws Exception {
        String id = someSecurityEventId();

        Exchange answer = update("{\"id\":\"" + id + "\",\"status\":\"CLOSED\",\"closeReason\":\"NOTREAL\","
                + "\"reasonText\":\"a scheduled pen test\"}");

        assertThat(status(answer)).isEqualTo(200);
        JsonNode event = body(answer);
        assertThat(event.path("mStatus").asText()).isEqualTo("CLOSED");
        assertThat(event.path("closeReason").asText()).isEqualTo("NOTREAL");
        assertThat(event.path("reasonText").asText()).isEqualTo("a scheduled pen test");
    }

    @Test
    void closesARiskEvent() throws Exception {
        String riskId = someRiskEventId();

        Exchange answer = update("{\"stream\":\"risk-events\",\"id\":\"" + riskId + "\",\"status\":\"CLOSED\","
                + "\"closeReason\":\"HANDLED\",\"reasonText\":\"SPN removed\"}");

        assertThat(status(answer)).isEqualTo(200);
        assertThat(body(answer).path("status").asText()).isEqualTo("CLOSED");
        assertThat(body(answer).path("reasonText").asText()).isEqualTo("SPN removed");
    }

    /** Read as any PTA client would: log on, GET the first page. */
    private static String someRiskEventId() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        String token = JSON.readTree(http.send(HttpRequest.newBuilder(URI.create(simulator.baseUrl()
                        + "/PasswordVault/API/auth/CyberArk/Logon")).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"username\":\"pta-reader\",\"password\":\"" + PASSWORD + "\"}"))
                .build(), HttpResponse.BodyHandlers.ofString()).body()).asText();
        String page = http.send(HttpRequest.newBuilder(URI.create(simulator.baseUrl()
                + "/PasswordVault/API/pta/API/Risks/RisksEvents/")).header("Authorization", token).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        return JSON.readTree(page).path("entities").get(0).path("id").asText();
    }

    @Test
    void aReasonTextOverOneHundredCharactersIsRefusedBeforePtaIsCalled() throws Exception {
        long patchesBefore = patchCalls();

        Exchange answer = update("{\"id\":\"" + someSecurityEventId() + "\",\"status\":\"CLOSED\",\"reasonText\":\""
                + "x".repeat(101) + "\"}");

        assertThat(status(answer)).isEqualTo(400);
        assertThat(body(answer).path("ErrorCode").asText()).isEqualTo("PTAR001E");
        assertThat(body(answer).path("ErrorMessage").asText()).contains("reasonText is 101 characters long, PTA takes at most 100");
        assertThat(patchCalls()).isEqualTo(patchesBefore);
    }

    @Test
    void anUnknownStatusOrABadIdIsRefusedNamingTheProblem() throws Exception {
        Exchange unknown = update("{\"id\":\"" + someSecurityEventId() + "\",\"status\":\"RESOLVED\"}");
        Exchange badId = update("{\"id\":\"../Logoff\",\"status\":\"CLOSED\"}");
        Exchange typo = update("{\"id\":\"" + someSecurityEventId() + "\",\"mstatus\":\"CLOSED\"}");

        assertThat(status(unknown)).isEqualTo(400);
        assertThat(body(unknown).path("ErrorMessage").asText()).isEqualTo("unknown status 'RESOLVED': expected one of [CLOSED, OPEN]");
        assertThat(status(badId)).isEqualTo(400);
        assertThat(body(badId).path("ErrorMessage").asText()).contains("is not a security event id (24 hexadecimal characters)");
        assertThat(status(typo)).isEqualTo(400);
        assertThat(body(typo).path("ErrorMessage").asText()).startsWith("unknown field 'mstatus'");
    }

    @Test
    void noSuchEventIsPtasOwn404() throws Exception {
        Exchange answer = update("{\"id\":\"0123456789abcdef01234567\",\"status\":\"CLOSED\"}");

        assertThat(status(answer)).isEqualTo(404);
        assertThat(body(answer).path("ErrorCode").asText()).isEqualTo("PASWS404E");
        assertThat(body(answer).path("ErrorMessage").asText()).contains("0123456789abcdef01234567");
    }

    @Test
    void anExpiredSessionLogsOnOnceAgainAndTheUpdateGoesThrough() throws Exception {
        String id = someSecurityEventId();
        assertThat(status(update("{\"id\":\"" + id + "\",\"status\":\"OPEN\"}"))).isEqualTo(200);
        int logons = simulator.logonCount();
        int rejected = simulator.rejectedCallCount();
        simulator.expireAllTokens();

        Exchange answer = update("{\"id\":\"" + id + "\",\"status\":\"CLOSED\"}");

        assertThat(status(answer)).isEqualTo(200);
        assertThat(body(answer).path("mStatus").asText()).isEqualTo("CLOSED");
        assertThat(simulator.rejectedCallCount()).isEqualTo(rejected + 1);
        assertThat(simulator.logonCount()).isEqualTo(logons + 1);
    }

    @Test
    void closeReasonsSwitchedOffForAnOlderPtaAreRefusedNotDropped() throws Exception {
        long patchesBefore = patchCalls();

        Exchange answer = template.request("kamelet:pta-event-update-sink?sendCloseReason=false", e -> e.getMessage()
                .setBody("{\"id\":\"" + someSecurityEventId() + "\",\"status\":\"CLOSED\",\"closeReason\":\"HANDLED\"}"));

        assertThat(status(answer)).isEqualTo(400);
        assertThat(body(answer).path("ErrorMessage").asText()).contains("pta.updates.close-reason is false");
        assertThat(patchCalls()).isEqualTo(patchesBefore);
    }
}
