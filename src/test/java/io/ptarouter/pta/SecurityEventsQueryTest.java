package io.ptarouter.pta;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.apache.camel.CamelContext;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;

import io.ptarouter.state.Watermarks;
import io.ptarouter.testing.Events;
import io.ptarouter.testing.RouterTestSupport;

/**
 * What {@code GET .../pta/API/Events/} asks for: the lower bound (look-back on the first poll, then
 * the newest event time seen), its unit and where it goes, the optional filters, and that an
 * event PTA sends again is delivered again only when it changed.
 */
class SecurityEventsQueryTest {
    private static final String STREAM = "security-events";
    private static final long LOOKBACK_START = RouterTestSupport.NOW.minus(Duration.ofHours(24)).toEpochMilli();

    abstract static class SecurityEventsRouter extends RouterTestSupport {
        @BeforeEach
        void loggedOn() {
            stubLogon(TOKEN);
        }

        static LoggedRequest request(int n) {
            List<LoggedRequest> requests = eventRequests();
            assertThat(requests).hasSizeGreaterThan(n);
            return requests.get(n);
        }

        static String param(LoggedRequest request, String name) {
            assertThat(request.queryParameter(name).isPresent()).as("query parameter %s in %s", name, request.getUrl())
                    .isTrue();
            return request.queryParameter(name).firstValue();
        }
    }

    @Nested
    class DefaultSettings extends SecurityEventsRouter {
        @Test
        void firstPollReadsFromTheInitialLookBackInMilliseconds() throws Exception {
            stubSecurityEvents("[]");

            poll(STREAM);

            assertThat(param(request(0), "fromUpdateDate")).isEqualTo(Long.toString(LOOKBACK_START));
            assertThat(request(0).getHeader("lastUpdatedEventDate")).isNull();
        }

        @Test
        void nextPollReadsFromTheNewestLastUpdateTimeWhateverTheOrderOfTheAnswer() throws Exception {
            long newest = NOW.toEpochMilli() - 5_000;
            // newest in the middle, and all of them older than the local clock
            stubSecurityEvents(Events.array(
                    Events.security(Events.id(1), "VaultViaIrregularIp", 20.0, newest - 60_000),
                    Events.security(Events.id(2), "VaultViaIrregularIp", 20.0, newest),
                    Events.security(Events.id(3), "VaultViaIrregularIp", 20.0, newest - 120_000)));
            poll(STREAM);
            assertThat(context.getRegistry().lookupByNameAndType("ptaWatermarks", Watermarks.class).get(STREAM))
                    .hasValue(newest);

            clock.advance(Duration.ofMinutes(10));
            poll(STREAM);

            assertThat(param(request(1), "fromUpdateDate")).isEqualTo(Long.toString(newest - OVERLAP_MILLIS));
        }

        @Test
        void withoutStatusOrAccountSettingsNeitherParameterIsSent() throws Exception {
            stubSecurityEvents("[]");

            poll(STREAM);

            assertThat(request(0).queryParameter("status").isPresent()).isFalse();
            assertThat(request(0).queryParameter("accountID").isPresent()).isFalse();
        }

        @Test
        void eventSentAgainUnchangedIsDeliveredOnceAndAnUpdateIsDeliveredAsAnUpdate() throws Exception {
            long created = NOW.toEpochMilli() - 60_000;
            long updated = NOW.toEpochMilli() - 10_000;
            ObjectNode original = Events.security(Events.id(7), "PSMSuspiciousActivity", 20.0, created);
            stubSecurityEvents(Events.array(original));
            poll(STREAM);
            poll(STREAM); // the overlap: PTA answers the same version again

            assertThat(eventRequests()).hasSize(2);
            assertThat(fileEnvelopes(STREAM)).hasSize(1);
            assertThat(jmsMessages()).hasSize(1);

            ObjectNode aggregated = original.deepCopy().put("lastUpdateTime", updated);
            ((ObjectNode) aggregated.get("additionalData")).put("aggregation_count", 2);
            stubSecurityEvents(Events.array(aggregated));
            poll(STREAM);

            List<JsonNode> envelopes = fileEnvelopes(STREAM);
            assertThat(envelopes).hasSize(2);
            JsonNode first = envelopes.get(0).path("metadata");
            JsonNode second = envelopes.get(1).path("metadata");
            assertThat(first.path("id").asText()).isEqualTo(Events.id(7));
            assertThat(first.path("update").asBoolean()).isFalse();
            assertThat(first.path("version").asLong()).isEqualTo(created);
            assertThat(second.path("id").asText()).isEqualTo(Events.id(7));
            assertThat(second.path("update").asBoolean()).isTrue();
            assertThat(second.path("version").asLong()).isEqualTo(updated);
            assertThat(envelopes.get(1).path("event").path("additionalData").path("aggregation_count").asInt()).isEqualTo(2);
            assertThat(jmsMessages()).hasSize(2);
        }
    }

    @Nested
    class SecondsUnit extends SecurityEventsRouter {
        @Override
        protected Map<String, String> settings() {
            return Map.of("pta.security-events.from-update-date-unit", "s");
        }

        @Test
        void lowerBoundIsSentInSeconds() throws Exception {
            long newest = NOW.toEpochMilli() - 1_234;
            stubSecurityEvents(Events.array(Events.security(Events.id(1), "VaultViaIrregularIp", 20.0, newest)));

            poll(STREAM);
            poll(STREAM);

            assertThat(param(request(0), "fromUpdateDate")).isEqualTo(Long.toString(LOOKBACK_START / 1000));
            assertThat(param(request(1), "fromUpdateDate")).isEqualTo(Long.toString((newest - OVERLAP_MILLIS) / 1000));
        }
    }

    @Nested
    class StatusAndAccountFilters extends SecurityEventsRouter {
        @Override
        protected Map<String, String> settings() {
            return Map.of("pta.security-events.status", "open", "pta.security-events.account-id", "12_34");
        }

        @Test
        void statusAndAccountIdAreSentAsQueryParameters() throws Exception {
            stubSecurityEvents("[]");

            poll(STREAM);

            assertThat(param(request(0), "status")).isEqualTo("open");
            assertThat(param(request(0), "accountID")).isEqualTo("12_34");
            assertThat(param(request(0), "fromUpdateDate")).isEqualTo(Long.toString(LOOKBACK_START));
        }
    }

    @Nested
    class LegacyHeader extends SecurityEventsRouter {
        @Override
        protected Map<String, String> settings() {
            return Map.of("pta.security-events.since", "header");
        }

        @Test
        void lowerBoundIsSentInTheLastUpdatedEventDateHeaderAndNotAsAParameter() throws Exception {
            long newest = NOW.toEpochMilli() - 7_000;
            stubSecurityEvents(Events.array(Events.security(Events.id(1), "VaultViaIrregularIp", 20.0, newest)));

            poll(STREAM);
            poll(STREAM);

            assertThat(request(0).getHeader("lastUpdatedEventDate")).isEqualTo(Long.toString(LOOKBACK_START));
            assertThat(request(0).queryParameter("fromUpdateDate").isPresent()).isFalse();
            assertThat(request(1).getHeader("lastUpdatedEventDate")).isEqualTo(Long.toString(newest - OVERLAP_MILLIS));
            assertThat(request(1).queryParameter("fromUpdateDate").isPresent()).isFalse();
            // the header is for PTA only: it does not reach the sinks
            assertThat(jmsMessages()).singleElement()
                    .satisfies(m -> assertThat(m.properties()).doesNotContainKey("lastUpdatedEventDate"));
        }
    }
}
