package io.ptarouter.pta;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The free-text fields that reach mail subjects and HTTP and JMS headers: one line, trimmed, bounded;
 * and the times and scores that move the watermark and choose the sinks: plausible, or the event is rejected.
 */
class EventMetadataTest {

    private static final long CREATED = Instant.parse("2026-11-21T09:00:00Z").toEpochMilli();
    /** Now plus the allowed clock skew, as the classifier passes it. */
    private static final long LATEST = Instant.parse("2026-11-21T10:05:00Z").toEpochMilli();

    private static ObjectNode event(String account, String status) {
        ObjectNode event = PtaJson.mapper().createObjectNode()
                .put("id", "e1").put("type", "SuspectedCredentialsTheft").put("score", 80.0)
                .put("createTime", CREATED).put("lastUpdateTime", CREATED + 1_000).put("status", status);
        event.putArray("audits").addObject().putObject("account").put("accountAsStr", account);
        return event;
    }

    @Test
    void controlCharactersInTheAccountAndStatusBecomeSpaces() {
        EventMetadata metadata = EventMetadata.of(PtaStream.SECURITY_EVENTS,
                event("admin@srv-01\r\nBcc: victim@example.com\u0007", " open\t"), LATEST);

        assertThat(metadata.account()).isEqualTo("admin@srv-01  Bcc: victim@example.com");
        assertThat(metadata.status()).isEqualTo("OPEN");
    }

    @Test
    void plainValuesAreKeptAsTheyAreButForTheEdges() {
        EventMetadata metadata = EventMetadata.of(PtaStream.SECURITY_EVENTS, event("  svc_backup@db-07 ", "CLOSED"), LATEST);

        assertThat(metadata.account()).isEqualTo("svc_backup@db-07");
        assertThat(metadata.status()).isEqualTo("CLOSED");
    }

    @Test
    void aTimeUpToTheLatestAcceptedAndAScoreFrom0To100AreKept() throws JsonProcessingException {
        EventMetadata edge = EventMetadata.of(PtaStream.SECURITY_EVENTS,
                with("{\"lastUpdateTime\":" + LATEST + ",\"score\":100}"), LATEST);
        EventMetadata iso = EventMetadata.of(PtaStream.RISK_EVENTS, PtaJson.mapper().readTree(
                "{\"id\":\"r\",\"riskType\":\"T\",\"detectionTime\":\"2026-11-21T10:05:00Z\",\"score\":\"0\"}"), LATEST);

        assertThat(edge.eventTimeMillis()).isEqualTo(LATEST);
        assertThat(edge.score()).isEqualTo(100.0);
        assertThat(iso.eventTimeMillis()).isEqualTo(LATEST);
        assertThat(iso.score()).isZero();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
        "{\"lastUpdateTime\":253402300800000}                | field 'lastUpdateTime' is 253402300800000 (+10000-01-01T00:00:00Z), later than now plus the allowed clock skew (2026-11-21T10:05:00Z",
        "{\"lastUpdateTime\":\"+10000-01-01T00:00:00Z\"}     | field 'lastUpdateTime' is '+10000-01-01T00:00:00Z' (+10000-01-01T00:00:00Z), later than now",
        "{\"lastUpdateTime\":1e999999}                       | field 'lastUpdateTime' is 1E+999999, not a time",
        "{\"lastUpdateTime\":99999999999999999999999}        | field 'lastUpdateTime' is 99999999999999999999999, not a time",
        "{\"lastUpdateTime\":1795255500001}                  | field 'lastUpdateTime' is 1795255500001 (2026-11-21T10:05:00.001Z), later than now",
        "{\"lastUpdateTime\":-1}                             | field 'lastUpdateTime' is -1 (1969-12-31T23:59:59.999Z), before 2000",
        "{\"lastUpdateTime\":1763719500}                     | field 'lastUpdateTime' is 1763719500 (1970-01-21T09:55:19.500Z), before 2000",
        "{\"lastUpdateTime\":\"yesterday\"}                  | field 'lastUpdateTime' is 'yesterday', not a time",
        "{\"lastUpdateTime\":{\"t\":1}}                      | field 'lastUpdateTime' is a object, not a time",
        "{\"createTime\":253402300800000}                    | field 'createTime' is 253402300800000",
        "{\"score\":1e999999}                                | field 'score' is 1E+999999, not a score from 0 to 100",
        "{\"score\":\"1e999999\"}                            | field 'score' is '1e999999', not a score from 0 to 100",
        "{\"score\":100.5}                                   | field 'score' is 100.5, not a score from 0 to 100",
        "{\"score\":-3}                                      | field 'score' is -3, not a score from 0 to 100",
        "{\"score\":\"NaN\"}                                 | field 'score' is 'NaN', not a score from 0 to 100",
        "{\"score\":\"-Infinity\"}                           | field 'score' is '-Infinity', not a score from 0 to 100",
    })
    void anImpossibleTimeOrScoreRejectsTheEventNamingFieldAndValue(String change, String reason) throws JsonProcessingException {
        ObjectNode event = with(change);

        assertThatThrownBy(() -> EventMetadata.of(PtaStream.SECURITY_EVENTS, event, LATEST))
                .isInstanceOf(InvalidEventException.class)
                .hasMessageContaining(reason);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
        "{\"detectionTime\":253402300800000}                 | field 'detectionTime' is 253402300800000 (+10000-01-01T00:00:00Z), later than now",
        "{\"lastUpdateTime\":1e999999}                       | field 'lastUpdateTime' is 1E+999999, not a time",
        "{\"score\":1e999999}                                | field 'score' is 1E+999999, not a score from 0 to 100",
    })
    void riskEventsAreCheckedTheSameWay(String change, String reason) throws JsonProcessingException {
        ObjectNode risk = (ObjectNode) PtaJson.mapper().readTree(
                "{\"id\":\"r\",\"riskType\":\"T\",\"detectionTime\":" + CREATED + ",\"score\":50}");
        risk.setAll((ObjectNode) PtaJson.mapper().readTree(change));

        assertThatThrownBy(() -> EventMetadata.of(PtaStream.RISK_EVENTS, risk, LATEST))
                .isInstanceOf(InvalidEventException.class)
                .hasMessageContaining(reason);
    }

    @Test
    void aRejectedValueIsQuotedShortAndOnOneLine() throws JsonProcessingException {
        ObjectNode event = with("{\"lastUpdateTime\":\"" + "x".repeat(10_000) + "\\r\\nforged log line\"}");

        assertThatThrownBy(() -> EventMetadata.of(PtaStream.SECURITY_EVENTS, event, LATEST))
                .hasMessage("field 'lastUpdateTime' is '" + "x".repeat(40) + "...', not a time in epoch milliseconds or ISO-8601");
    }

    /** The event of {@link #event} with the members of {@code json} set on it. */
    private static ObjectNode with(String json) throws JsonProcessingException {
        ObjectNode event = event("a", "OPEN");
        JsonNode change = PtaJson.mapper().readTree(json);
        event.setAll((ObjectNode) change);
        return event;
    }
}
