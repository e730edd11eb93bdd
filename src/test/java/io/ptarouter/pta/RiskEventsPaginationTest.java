package io.ptarouter.pta;

import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.apache.camel.CamelContext;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;

import io.ptarouter.testing.Events;
import io.ptarouter.testing.RouterTestSupport;

/**
 * Risk events are read page by page until {@code totalPages}, never beyond the page limit, and not
 * at all past an empty answer; the filter reaches PTA exactly as configured, with the watermark
 * added on PTA 14.0+.
 */
class RiskEventsPaginationTest {
    private static final String STREAM = "risk-events";
    private static final String RISKS = "/PasswordVault/API/pta/API/Risks/RisksEvents/";
    private static final String DEFAULT_FILTER = "status eq \"OPEN\"";
    private static final long BASE_TIME = RouterTestSupport.NOW.toEpochMilli() - 3_600_000;

    abstract static class RiskRouter extends RouterTestSupport {
        @BeforeEach
        void loggedOn() {
            stubLogon(TOKEN);
        }

        /** {@code total} low-score risks (file and JMS only), {@code pageSize} a page, as PTA pages them. */
        static void stubPages(int total, int pageSize) {
            int totalPages = (total + pageSize - 1) / pageSize;
            for (int page = 0; page < totalPages; page++) {
                List<JsonNode> entities = new ArrayList<>();
                for (int i = page * pageSize; i < Math.min(total, (page + 1) * pageSize); i++) {
                    entities.add(Events.risk(riskId(i), "RISK_RISKY_SPN", 10.0, BASE_TIME + i));
                }
                stubPage(page, entities, total, pageSize, totalPages);
            }
        }

        static void stubPage(int page, List<JsonNode> entities, long totalEntities, int size, int totalPages) {
            ObjectNode answer = JSON.createObjectNode();
            ArrayNode array = answer.putArray("entities");
            entities.forEach(array::add);
            answer.put("totalEntities", totalEntities).put("filter", DEFAULT_FILTER).put("sort", "")
                    .put("page", page).put("size", size).put("totalPages", totalPages);
            PVWA.stubFor(get(urlPathEqualTo(RISKS)).withQueryParam("page", equalTo(Integer.toString(page)))
                    .willReturn(okJson(answer.toString())));
        }

        static String riskId(int i) {
            return String.format("risk-%03d", i);
        }

        static List<LoggedRequest> riskRequests() {
            return PVWA.findAll(getRequestedFor(urlPathEqualTo(RISKS)));
        }

        static String param(LoggedRequest request, String name) {
            assertThat(request.queryParameter(name).isPresent()).as("query parameter %s in %s", name, request.getUrl())
                    .isTrue();
            return request.queryParameter(name).firstValue();
        }

        List<String> deliveredIds() throws Exception {
            return fileEnvelopes(STREAM).stream().map(e -> e.path("metadata").path("id").asText()).toList();
        }
    }

    @Nested
    class DefaultSettings extends RiskRouter {
        @Test
        void everyPageIsReadUntilTotalPagesAndEveryRiskDelivered() throws Exception {
            stubPages(250, 100);

            poll(STREAM);

            List<LoggedRequest> requests = riskRequests();
            assertThat(requests).extracting(r -> param(r, "page")).containsExactly("0", "1", "2");
            assertThat(requests).extracting(r -> param(r, "size")).containsOnly("100");
            List<String> expected = new ArrayList<>();
            for (int i = 0; i < 250; i++) {
                expected.add(riskId(i));
            }
            assertThat(deliveredIds()).hasSize(250).containsExactlyInAnyOrderElementsOf(expected);
            assertThat(pollFailures()).isEmpty();
        }

        @Test
        void filterIsEncodedSoThatPtaDecodesItExactlyAndWithoutPlusSigns() throws Exception {
            stubPages(3, 100);

            poll(STREAM);

            LoggedRequest request = riskRequests().get(0);
            assertThat(param(request, "filter")).isEqualTo(DEFAULT_FILTER);
            assertThat(request.getUrl()).doesNotContain("+").doesNotContain(" ").doesNotContain("\"");
        }

        @Test
        void noRisksAtAllTakesOneRequest() throws Exception {
            // a server that still claims several pages must not be asked for them
            stubPage(0, List.of(), 0, 100, 3);
            stubPage(1, List.of(Events.risk("should-not-be-read", "RISK_RISKY_SPN", 10.0, BASE_TIME)), 0, 100, 3);

            poll(STREAM);

            assertThat(riskRequests()).hasSize(1);
            assertThat(fileEnvelopes(STREAM)).isEmpty();
            assertThat(pollFailures()).isEmpty();
        }
    }

    @Nested
    class PageLimit extends RiskRouter {
        @Override
        protected Map<String, String> settings() {
            return Map.of("pta.risk-events.max-pages", "2");
        }

        @Test
        void onlyMaxPagesPagesAreRead() throws Exception {
            stubPages(250, 100);

            poll(STREAM);

            assertThat(riskRequests()).extracting(r -> param(r, "page")).containsExactly("0", "1");
            assertThat(deliveredIds()).hasSize(200).contains(riskId(0), riskId(199)).doesNotContain(riskId(200));
        }
    }

    @Nested
    class DetectionTimeFilter extends RiskRouter {
        @Override
        protected Map<String, String> settings() {
            return Map.of("pta.risk-events.detection-time-filter", "true");
        }

        @Test
        void secondPollAddsTheNewestDetectionTimeOfTheFirstToTheFilter() throws Exception {
            long newest = BASE_TIME + 50_000;
            stubPage(0, List.of(
                    Events.risk("r-1", "RISK_RISKY_SPN", 10.0, BASE_TIME + 10_000),
                    Events.risk("r-2", "RISK_UNCONSTRAINED_DELEGATION", 10.0, newest),
                    Events.risk("r-3", "RISK_RISKY_SPN", 10.0, BASE_TIME)), 3, 100, 1);

            poll(STREAM);
            poll(STREAM);

            List<LoggedRequest> requests = riskRequests();
            assertThat(requests).hasSize(2);
            assertThat(param(requests.get(0), "filter")).isEqualTo(DEFAULT_FILTER);
            assertThat(param(requests.get(1), "filter"))
                    .isEqualTo(DEFAULT_FILTER + " AND detectionTime gte \"" + (newest - OVERLAP_MILLIS) + "\"");
            assertThat(requests.get(1).getUrl()).doesNotContain("+");
            assertThat(deliveredIds()).containsExactlyInAnyOrder("r-1", "r-2", "r-3");
        }
    }
}
