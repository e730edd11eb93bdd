package io.ptarouter.simulator;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class PtaSimulatorRiskEventsTest {

    private static final String RISKS_PAGE = SimulatorClient.RISKS + "?size=100&sort=" + encode("detectionTime desc")
            + "&page=";

    private final PtaSimulator simulator =
            PtaSimulator.start(PtaSimulator.Options.defaults().withChangeInterval(Duration.ZERO));
    private final SimulatorClient client = new SimulatorClient(simulator);
    private final String token = client.token();

    @AfterEach
    void stop() {
        simulator.close();
    }

    @Test
    void twoHundredFiftyRisksArePagedOverThreePagesOfAHundred() {
        Set<String> ids = new HashSet<>();
        List<Integer> pageSizes = new ArrayList<>();
        for (int page = 0; page < 3; page++) {
            JsonNode answer = page(RISKS_PAGE + page);

            assertThat(answer.path("totalEntities").asInt()).isEqualTo(250);
            assertThat(answer.path("totalPages").asInt()).isEqualTo(3);
            assertThat(answer.path("page").asInt()).isEqualTo(page);
            assertThat(answer.path("size").asInt()).isEqualTo(100);
            pageSizes.add(answer.path("entities").size());
            answer.path("entities").forEach(entity -> ids.add(entity.path("id").asText()));
        }

        assertThat(pageSizes).containsExactly(100, 100, 50);
        assertThat(ids).hasSize(250);
    }

    @Test
    void pageBeyondTheEndIsEmpty() {
        JsonNode answer = page(RISKS_PAGE + 3);

        assertThat(answer.path("entities")).isEmpty();
        assertThat(answer.path("totalEntities").asInt()).isEqualTo(250);
        assertThat(answer.path("totalPages").asInt()).isEqualTo(3);
    }

    @Test
    void pageSizeCanBeChosenUpToAThousand() {
        JsonNode answer = page(SimulatorClient.RISKS + "?size=1000");

        assertThat(answer.path("entities")).hasSize(250);
        assertThat(answer.path("totalPages").asInt()).isEqualTo(1);
    }

    @ParameterizedTest
    @ValueSource(strings = {"?size=0", "?size=1001", "?page=-1", "?size=ten"})
    void pageOrSizeOutOfRangeIsABadRequest(String query) {
        HttpResponse<String> response = client.get(SimulatorClient.RISKS + query, token);

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(client.json(response).path("ErrorCode").asText()).isNotBlank();
    }

    @Test
    void entitiesCarryTheDocumentedFields() {
        for (JsonNode entity : page(SimulatorClient.RISKS).path("entities")) {
            assertThat(entity.path("id").isTextual()).isTrue();
            assertThat(entity.path("riskType").asText()).isIn(RiskEventStore.TYPES);
            assertThat(entity.path("status").asText()).isIn("OPEN", "CLOSED");
            assertThat(entity.path("detectionTime").isIntegralNumber()).isTrue();
            assertThat(entity.path("score").isNumber()).isTrue();
            assertThat(entity.path("account").isObject()).isTrue();
            assertThat(entity.path("service").isObject()).isTrue();
        }
    }

    @Test
    void statusFilterSelectsOpenRisks() {
        JsonNode answer = page(SimulatorClient.RISKS + "?size=1000&filter=" + encode("status eq \"OPEN\""));

        assertThat(answer.path("totalEntities").asInt()).isBetween(1, 249);
        assertThat(answer.path("entities")).allSatisfy(
                entity -> assertThat(entity.path("status").asText()).isEqualTo("OPEN"));
        assertThat(answer.path("filter").asText()).isEqualTo("status eq \"OPEN\"");
    }

    @Test
    void typeAndStatusFiltersCombineWithAnd() {
        String filter = "type eq \"RISK_RISKY_SPN\" AND status eq \"OPEN\"";

        JsonNode answer = page(SimulatorClient.RISKS + "?size=1000&filter=" + encode(filter));

        assertThat(answer.path("entities")).isNotEmpty().allSatisfy(entity -> {
            assertThat(entity.path("riskType").asText()).isEqualTo("RISK_RISKY_SPN");
            assertThat(entity.path("status").asText()).isEqualTo("OPEN");
        });
        assertThat(answer.path("totalEntities").asInt()).isLessThan(125);
    }

    @Test
    void detectionTimeFilterKeepsRisksDetectedAtOrAfterThatMillisecond() {
        List<Long> times = new ArrayList<>();
        page(SimulatorClient.RISKS + "?size=1000").path("entities")
                .forEach(entity -> times.add(entity.path("detectionTime").asLong()));
        long median = times.stream().sorted().toList().get(times.size() / 2);

        JsonNode answer = page(SimulatorClient.RISKS + "?size=1000&filter="
                + encode("detectionTime gte \"" + median + "\""));

        assertThat(answer.path("totalEntities").asInt())
                .isEqualTo((int) times.stream().filter(time -> time >= median).count());
        assertThat(answer.path("entities")).allSatisfy(
                entity -> assertThat(entity.path("detectionTime").asLong()).isGreaterThanOrEqualTo(median));
    }

    @Test
    void filterItCannotReadIsIgnoredLikeAnOlderServerWould() {
        JsonNode answer = page(SimulatorClient.RISKS + "?filter=" + encode("owner eq \"someone\""));

        assertThat(answer.path("totalEntities").asInt()).isEqualTo(250);
    }

    @Test
    void patchClosesARisk() {
        JsonNode open = page(SimulatorClient.RISKS + "?filter=" + encode("status eq \"OPEN\"")).path("entities").get(0);
        String id = open.path("id").asText();

        HttpResponse<String> response = client.patch(SimulatorClient.RISKS + id, token,
                "{\"status\":\"CLOSED\",\"closeReason\":\"HANDLED\",\"reasonText\":\"done\"}");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(client.json(response).path("status").asText()).isEqualTo("CLOSED");
        JsonNode stillOpen = page(SimulatorClient.RISKS + "?size=1000&filter=" + encode("status eq \"OPEN\""));
        assertThat(stillOpen.path("entities")).noneSatisfy(
                entity -> assertThat(entity.path("id").asText()).isEqualTo(id));
    }

    @Test
    void riskCallWithoutValidTokenIsRejected() {
        assertThat(client.get(SimulatorClient.RISKS, "expired").statusCode()).isEqualTo(401);
        assertThat(simulator.rejectedCallCount()).isEqualTo(1);
    }

    private JsonNode page(String pathAndQuery) {
        HttpResponse<String> response = client.get(pathAndQuery, token);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return client.json(response);
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
