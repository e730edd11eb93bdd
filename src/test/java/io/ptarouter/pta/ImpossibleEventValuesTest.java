package io.ptarouter.pta;

import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.ok;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.ptarouter.state.DeliveryStore;
import io.ptarouter.testing.Events;
import io.ptarouter.testing.LogCapture;
import io.ptarouter.testing.RouterTestSupport;

/**
 * An event time no PTA can send (far in the future, 1e999999, before 2000) or a score outside 0..100
 * rejects that event with its reason, and nothing else: the watermark stays where the good events put
 * it, the next poll reads from there, and the good events of the same answer are delivered. A
 * watermark that an earlier build let into the future is set back when the state is opened.
 */
class ImpossibleEventValuesTest extends RouterTestSupport {

    private static final String STREAM = "security-events";
    private static final String RISKS = "/PasswordVault/API/pta/API/Risks/RisksEvents/";
    private static final long T0 = NOW.toEpochMilli() - 60_000;
    private static final long YEAR_10000 = 253_402_300_800_000L;

    @RegisterExtension
    final LogCapture log = new LogCapture();

    private final MeterRegistry meters = new SimpleMeterRegistry();

    @Override
    protected void bindToRegistry(org.apache.camel.spi.Registry registry) {
        registry.bind("metricsRegistry", meters);
    }

    @BeforeEach
    void peers() {
        stubLogon(TOKEN);
        WEBHOOK.stubFor(post(urlPathEqualTo("/hooks/pta")).willReturn(ok()));
    }

    @ParameterizedTest(name = "lastUpdateTime {0}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
        "253402300800000            | later than now plus the allowed clock skew",
        "\"+10000-01-01T00:00:00Z\" | later than now plus the allowed clock skew",
        "1e999999                   | is 1E+999999, not a time",
        // NOW is the harness's clock: 2m01s ahead is past pta.delivery.max-clock-skew (2m)
        "1795255321000              | later than now plus the allowed clock skew",
        "-1                         | before 2000",
    })
    void anImpossibleTimeIsRejectedAndTheWatermarkStaysWhereTheGoodEventsPutIt(String time, String reason) throws Exception {
        pollAnswer(Events.array(good(1, T0)));
        String bad = Events.security(Events.id(9), "SuspectedCredentialsTheft", 95.0, T0 + 20).toString()
                .replace("\"lastUpdateTime\":" + (T0 + 20), "\"lastUpdateTime\":" + time);

        pollAnswer("[" + good(2, T0 + 10) + "," + bad + "," + good(3, T0 + 5) + "]");

        assertThat(watermarks().get(STREAM)).as("the newest good event's time, not the rejected one's").hasValue(T0 + 10);
        JsonNode rejected = rejected(STREAM).get(0);
        assertThat(rejected(STREAM)).hasSize(1);
        assertThat(rejected.path("reason").asText()).startsWith("field 'lastUpdateTime' is ").contains(reason);
        assertThat(rejected.path("event").path("id").asText()).isEqualTo(Events.id(9));
        assertThat(sinksThatReceived(STREAM, Events.id(9))).as("sinks that got the rejected event").isEmpty();
        assertThat(fileIds()).containsExactly(Events.id(1), Events.id(2), Events.id(3));
        // pta-router's own lines (the test's log level lets Artemis's audit lines, WARN in production, through)
        assertThat(log.text().lines().filter(l -> l.contains(" io.ptarouter.")))
                .anyMatch(l -> l.startsWith("WARN io.ptarouter.sink.RejectedEvents security-events event " + Events.id(9)
                                            + " rejected: field 'lastUpdateTime' is "))
                .as("the body stays out of the log").noneMatch(l -> l.contains("admin@srv-db-07"));
        assertThat(meters.counter("pta.events", "stream", STREAM, "outcome", "rejected").count()).isEqualTo(1);

        pollAnswer(Events.array(good(4, T0 + 30)));

        assertThat(lastEventRequest().queryParameter("fromUpdateDate").firstValue())
                .as("the next poll reads from the good events' watermark").isEqualTo(Long.toString(T0 + 10 - OVERLAP_MILLIS));
        assertThat(fileIds()).containsExactly(Events.id(1), Events.id(2), Events.id(3), Events.id(4));
        assertThat(watermarks().get(STREAM)).hasValue(T0 + 30);
    }

    @Test
    void anAnswerOfOnlyAFutureEventLeavesTheWatermarkUnchanged() throws Exception {
        pollAnswer(Events.array(good(1, T0)));

        pollAnswer(Events.array(Events.security(Events.id(9), "SuspectedCredentialsTheft", 95.0, YEAR_10000)));

        assertThat(watermarks().get(STREAM)).hasValue(T0);
        assertThat(rejected(STREAM)).singleElement().satisfies(r -> assertThat(r.path("reason").asText())
                .isEqualTo("field 'lastUpdateTime' is 253402300800000 (+10000-01-01T00:00:00Z), later than now plus the "
                           + "allowed clock skew (2026-11-21T10:02:00Z, pta.delivery.max-clock-skew)"));
        pollAnswer(Events.array(good(2, T0 + 1)));
        assertThat(lastEventRequest().queryParameter("fromUpdateDate").firstValue()).isEqualTo(Long.toString(T0 - OVERLAP_MILLIS));
    }

    @Test
    void aTimeWithinTheAllowedSkewIsDelivered() throws Exception {
        long ahead = NOW.plus(Duration.ofMinutes(1)).plusSeconds(59).toEpochMilli();

        pollAnswer(Events.array(good(1, ahead)));

        assertThat(fileIds()).containsExactly(Events.id(1));
        assertThat(rejected(STREAM)).isEmpty();
        assertThat(watermarks().get(STREAM)).hasValue(ahead);
    }

    @ParameterizedTest(name = "score {0}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
        "1e999999     | field 'score' is 1E+999999, not a score from 0 to 100",
        "\"1e999999\" | field 'score' is '1e999999', not a score from 0 to 100",
        "101          | field 'score' is 101, not a score from 0 to 100",
        "-5           | field 'score' is -5, not a score from 0 to 100",
    })
    void aScoreOutside0To100IsRejectedAndRoutedNowhere(String score, String reason) throws Exception {
        String bad = Events.security(Events.id(9), "VaultViaIrregularIp", 50.0, T0).toString()
                .replace("\"score\":50.0", "\"score\":" + score);

        pollAnswer("[" + bad + "," + good(1, T0 + 1) + "]");

        assertThat(rejected(STREAM)).singleElement().satisfies(r -> assertThat(r.path("reason").asText()).isEqualTo(reason));
        assertThat(mails()).as("no alert mail for an impossible score").isEmpty();
        assertThat(webhookRequests()).isEmpty();
        assertThat(sinksThatReceived(STREAM, Events.id(9))).isEmpty();
        assertThat(fileIds()).containsExactly(Events.id(1));
        assertThat(watermarks().get(STREAM)).hasValue(T0 + 1);
    }

    @Test
    void aRiskEventDetectedInTheFutureIsRejectedAndNeverMovesTheRiskWatermark() throws Exception {
        long t = NOW.toEpochMilli() - 3_600_000;
        stubRisks(Events.risk("risk-1", "RISK_RISKY_SPN", 10.0, t), Events.risk("risk-2", "RISK_RISKY_SPN", 10.0, YEAR_10000),
                Events.risk("risk-3", "RISK_RISKY_SPN", 10.0, t + 1).put("score", "Infinity"));

        poll("risk-events");

        assertThat(watermarks().get("risk-events")).hasValue(t);
        assertThat(rejected("risk-events")).extracting(r -> r.path("reason").asText()).containsExactlyInAnyOrder(
                "field 'detectionTime' is 253402300800000 (+10000-01-01T00:00:00Z), later than now plus the allowed clock "
                + "skew (2026-11-21T10:02:00Z, pta.delivery.max-clock-skew)",
                "field 'score' is 'Infinity', not a score from 0 to 100");
        assertThat(fileEnvelopes("risk-events")).extracting(e -> e.path("metadata").path("id").asText()).containsExactly("risk-1");
    }

    @Test
    void aWatermarkInTheFutureInTheStateIsReportedAndSetBackAtStartUp() throws Exception {
        pollAnswer(Events.array(good(1, T0), good(2, T0 + 7)));
        // What a build that took any event time left in the state: the watermark and the record of year 10000.
        DeliveryStore store = context.getRegistry().lookupByNameAndType("ptaDeliveryStore", DeliveryStore.class);
        store.commit(STREAM, List.of(new DeliveryStore.Delivery(STREAM + "/" + Events.id(9) + "/" + YEAR_10000,
                DeliveryStore.DONE, YEAR_10000)), OptionalLong.of(YEAR_10000));

        restart(Map.of());

        assertThat(log.text()).contains("ERROR io.ptarouter.state.JdbcDeliveryStore The watermark of security-events was "
                + "+10000-01-01T00:00:00Z (253402300800000 ms), later than now plus pta.delivery.max-clock-skew "
                + "(2026-11-21T10:02:00Z): no poll would have read another event. Set back to 2026-11-21T09:59:00.007Z");
        assertThat(watermarks().get(STREAM)).as("the newest plausible event delivered").hasValue(T0 + 7);

        pollAnswer(Events.array(good(2, T0 + 7), good(3, T0 + 8)));

        assertThat(lastEventRequest().queryParameter("fromUpdateDate").firstValue()).isEqualTo(Long.toString(T0 + 7 - OVERLAP_MILLIS));
        assertThat(fileIds()).as("the event missed since is delivered, the one delivered before is not sent again")
                .containsExactly(Events.id(1), Events.id(2), Events.id(3));
        assertThat(watermarks().get(STREAM)).hasValue(T0 + 8);
    }

    @Test
    void aFutureWatermarkWhosePlausibleRecordsExpiredIsSetBackToWhenTheStreamStalledAndTheEventsSinceAreDelivered()
            throws Exception {
        DeliveryStore store = context.getRegistry().lookupByNameAndType("ptaDeliveryStore", DeliveryStore.class);
        // What a build that took any event time left after ten days of asking PTA for events after year 10000: the
        // record of the impossible version, made when the stream stalled; the plausible ones expired.
        store.commit(STREAM, List.of(new DeliveryStore.Delivery(STREAM + "/" + Events.id(9) + "/" + YEAR_10000,
                DeliveryStore.DONE, YEAR_10000)), OptionalLong.of(YEAR_10000));
        clock.advance(Duration.ofDays(10));
        long duringTheStall = NOW.plus(Duration.ofDays(5)).toEpochMilli();

        restart(Map.of());

        long stalled = NOW.minus(Duration.ofMinutes(2)).toEpochMilli();
        assertThat(log.text()).contains("The watermark of security-events was +10000-01-01T00:00:00Z")
                .contains("Set back to " + Instant.ofEpochMilli(stalled) + " (" + stalled + " ms), when an impossible event "
                          + "was first recorded less pta.delivery.max-clock-skew, as every plausible delivery record has expired");
        pollAnswer(Events.array(good(1, duringTheStall)));
        assertThat(lastEventRequest().queryParameter("fromUpdateDate").firstValue())
                .isEqualTo(Long.toString(stalled - OVERLAP_MILLIS));
        assertThat(fileIds()).as("the event PTA updated during the stall").containsExactly(Events.id(1));
        assertThat(watermarks().get(STREAM)).hasValue(duringTheStall);
    }

    @Test
    void aFutureWatermarkWithNoDeliveryRecordedIsRemovedSoTheNextPollStartsAsAFirstOne() throws Exception {
        context.getRegistry().lookupByNameAndType("ptaDeliveryStore", DeliveryStore.class).advance(STREAM, YEAR_10000);

        restart(Map.of());

        assertThat(log.text()).contains("The watermark of security-events was +10000-01-01T00:00:00Z")
                .contains("Removed, as no delivery is recorded: the next poll starts as a first one");
        assertThat(watermarks().get(STREAM)).isEmpty();
        pollAnswer(Events.array(good(1, T0)));
        assertThat(lastEventRequest().queryParameter("fromUpdateDate").firstValue())
                .as("the initial look-back, 24h").isEqualTo(Long.toString(NOW.minus(Duration.ofHours(24)).toEpochMilli()));
        assertThat(fileIds()).containsExactly(Events.id(1));
    }

    /** A low event (file and JMS only). */
    @Test
    void aRejectedEventThatCannotBeWrittenDownFailsThePollAndTheNextPollRejectsIt() throws Exception {
        pollAnswer(Events.array(good(1, T0)));
        String bad = Events.security(Events.id(9), "SuspectedCredentialsTheft", 95.0, T0 + 20).toString()
                .replace("\"lastUpdateTime\":" + (T0 + 20), "\"lastUpdateTime\":-1");
        String answer = "[" + good(2, T0 + 10) + "," + bad + "," + good(3, T0 + 5) + "]";
        // The rejected-events folder is a file now: nothing can be written there (even by root, as CI runs).
        Path folder = work.resolve("rejected");
        Files.deleteIfExists(folder); // empty: nothing was rejected yet
        Files.writeString(folder, "not a folder");

        pollAnswer(answer);

        assertThat(pollFailures()).singleElement().extracting(Throwable::getMessage).asString().contains("rejected");
        assertThat(watermarks().get(STREAM)).as("not past the event that was not written down").hasValue(T0);
        assertThat(fileIds()).as("what came before it was delivered").containsExactly(Events.id(1), Events.id(2));
        assertThat(meters.counter("pta.polls", "stream", STREAM, "result", "failed").count()).isEqualTo(1);

        Files.delete(folder);
        pollAnswer(answer);

        assertThat(pollFailures()).hasSize(1);
        assertThat(rejected(STREAM)).singleElement().satisfies(r -> assertThat(r.path("event").path("id").asText())
                .isEqualTo(Events.id(9)));
        assertThat(fileIds()).containsExactly(Events.id(1), Events.id(2), Events.id(3));
        assertThat(watermarks().get(STREAM)).hasValue(T0 + 10);
    }

    @Test
    void aDeliveryStateThatCannotBeReadFailsThePollAndRejectsNothing() throws Exception {
        pollAnswer(Events.array(good(1, T0)));
        String answer = Events.array(good(2, T0 + 10), good(3, T0 + 5)).toString();
        // The deliveries' table is gone (the watermark's is still there): whether an event was delivered cannot be read.
        String db = "jdbc:h2:file:" + work.resolve("state/pta-router");
        String copy = "CREATE TABLE pta_delivery_log_kept AS SELECT * FROM pta_delivery_log";
        try (java.sql.Connection c = java.sql.DriverManager.getConnection(db); java.sql.Statement sql = c.createStatement()) {
            sql.execute(copy);
            sql.execute("DROP TABLE pta_delivery_log");
        }

        pollAnswer(answer);

        assertThat(pollFailures()).singleElement().extracting(Throwable::getMessage).asString()
                .contains("could not read the deliveries of security-events");
        assertThat(rejected(STREAM)).as("the events are not at fault").isEmpty();
        assertThat(fileIds()).containsExactly(Events.id(1));
        assertThat(watermarks().get(STREAM)).hasValue(T0);

        try (java.sql.Connection c = java.sql.DriverManager.getConnection(db); java.sql.Statement sql = c.createStatement()) {
            sql.execute("ALTER TABLE pta_delivery_log_kept RENAME TO pta_delivery_log");
        }
        pollAnswer(answer);

        assertThat(pollFailures()).hasSize(1);
        assertThat(fileIds()).containsExactly(Events.id(1), Events.id(2), Events.id(3));
        assertThat(watermarks().get(STREAM)).hasValue(T0 + 10);
    }

    private static ObjectNode good(int n, long time) {
        return Events.security(Events.id(n), "VaultViaIrregularIp", 10.0, time);
    }

    private void pollAnswer(String answer) throws Exception {
        stubSecurityEvents(answer);
        poll(STREAM);
    }

    private static void stubRisks(JsonNode... risks) {
        ObjectNode answer = JSON.createObjectNode();
        answer.putArray("entities").addAll(List.of(risks));
        answer.put("totalEntities", risks.length).put("page", 0).put("size", 100).put("totalPages", 1);
        PVWA.stubFor(get(urlPathEqualTo(RISKS)).willReturn(okJson(answer.toString())));
    }

    private static LoggedRequest lastEventRequest() {
        List<LoggedRequest> requests = eventRequests();
        return requests.get(requests.size() - 1);
    }

    private List<String> fileIds() throws Exception {
        return fileEnvelopes(STREAM).stream().map(e -> e.path("metadata").path("id").asText()).toList();
    }
}
