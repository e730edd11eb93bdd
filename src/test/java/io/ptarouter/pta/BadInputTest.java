package io.ptarouter.pta;

import static com.github.tomakehurst.wiremock.client.WireMock.ok;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;

import jakarta.mail.Address;
import jakarta.mail.internet.MimeMessage;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Property;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.tomakehurst.wiremock.http.HttpHeader;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;

import io.ptarouter.state.Watermarks;
import io.ptarouter.testing.Events;
import io.ptarouter.testing.RouterTestSupport;

/**
 * What PTA can get wrong in an answer, and what the router makes of it: a broken answer fails the
 * poll without moving the watermark, a bad event is rejected with a reason while its neighbours
 * are delivered, and nothing PTA sends can add a mail header or leak PTA's own headers to a sink.
 */
class BadInputTest extends RouterTestSupport {

    private static final String STREAM = "security-events";
    private static final long T0 = NOW.toEpochMilli() - 60_000;
    /** Reads numbers exactly as written, to compare what a sink got with what PTA sent. */
    private static final ObjectMapper EXACT = JsonMapper.builder()
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .nodeFactory(JsonNodeFactory.withExactBigDecimals(true))
            .build();

    private final LogLines log = new LogLines();

    @Override
    protected Map<String, String> settings() {
        // lets the event with score 29.414062500000004 reach the webhook too
        return getCurrentTestName().startsWith("ptaResponseHeaders") ? Map.of("pta.routing.medium-from", "25") : Map.of();
    }

    @BeforeEach
    void peers() {
        stubLogon(TOKEN);
        WEBHOOK.stubFor(post(urlPathEqualTo("/hooks/pta")).willReturn(ok()));
        log.attach();
    }

    @AfterEach
    void detachLog() {
        log.detach();
    }

    // ---- broken answers fail the poll ---------------------------------------------------------

    @Test
    void aTruncatedAnswerFailsThePollAndTheNextFullAnswerDeliversEveryEventOnce() throws Exception {
        pollOnce(event(1, T0));
        assertThat(watermark()).hasValue(T0);

        String full = Events.array(event(2, T0 + 1), event(3, T0 + 2), event(4, T0 + 3));
        String cut = full.substring(0, full.indexOf(Events.id(4)) + 10);
        stubSecurityEvents(cut);
        poll(STREAM);

        assertThat(watermark()).as("the watermark after a truncated answer").hasValue(T0);
        assertThat(log.errors()).anyMatch(l -> l.contains("security-events poll failed") && l.contains("malformed"));

        stubSecurityEvents(full);
        poll(STREAM);

        assertThat(lastEventRequest().queryParameter("fromUpdateDate").firstValue())
                .as("the poll after the failed one reads from the old watermark").isEqualTo(Long.toString(T0 - OVERLAP_MILLIS));
        assertThat(fileIds()).containsExactlyInAnyOrder(Events.id(1), Events.id(2), Events.id(3), Events.id(4));
        assertThat(jmsMessages()).hasSize(4);
        assertThat(watermark()).hasValue(T0 + 3);
    }

    @ParameterizedTest
    @ValueSource(strings = {"[{\"id\":}", "not json", "[{\"id\":\"a\"} {\"id\":\"b\"}]", "[1,2]]"})
    void malformedJsonFailsThePollWithTheWatermarkUnchangedAndTheNextPollRunsNormally(String answer) throws Exception {
        pollOnce(event(1, T0));

        stubSecurityEvents(answer);
        poll(STREAM);

        assertThat(watermark()).hasValue(T0);
        assertThat(log.errors()).anyMatch(l -> l.contains("security-events poll failed")
                                               && l.contains("MalformedResponseException"));

        log.clear();
        pollOnce(event(2, T0 + 5));
        assertThat(lastEventRequest().queryParameter("fromUpdateDate").firstValue()).isEqualTo(Long.toString(T0 - OVERLAP_MILLIS));
        assertThat(log.errors()).isEmpty();
        assertThat(fileIds()).containsExactly(Events.id(1), Events.id(2));
        assertThat(watermark()).hasValue(T0 + 5);
    }

    @Test
    void aMalformedEventAfterGoodOnesDoesNotMoveTheWatermarkPastThem() throws Exception {
        pollOnce(event(1, T0));

        stubSecurityEvents("[" + event(2, T0 + 10) + "," + event(3, T0 + 11) + ",{\"id\":}");
        poll(STREAM);

        assertThat(watermark()).as("the good event before the break was read, but the answer as a whole was not")
                .hasValue(T0);
        assertThat(log.errors()).anyMatch(l -> l.contains("security-events poll failed"));
    }

    @Test
    void aJsonObjectInsteadOfAnArrayFailsThePoll() throws Exception {
        pollOnce(event(1, T0));

        stubSecurityEvents("{\"ErrorCode\":\"X\",\"ErrorMessage\":\"Y\"}");
        poll(STREAM);

        assertThat(watermark()).hasValue(T0);
        assertThat(log.errors()).anyMatch(l -> l.contains("security-events poll failed")
                                               && l.contains("not a JSON array") && l.contains("X Y"));
        assertThat(fileIds()).containsExactly(Events.id(1));
    }

    @ParameterizedTest
    // An empty body is not an answer of no events: UnexpectedAnswersTest.
    @ValueSource(strings = {"[]", " [ ]\n"})
    void anEmptyArrayIsACleanPollThatDeliversNothing(String answer) throws Exception {
        pollOnce(event(1, T0));
        int mailsBefore = mails().length;
        int hooksBefore = webhookRequests().size();
        int jmsBefore = jmsMessages().size();

        stubSecurityEvents(answer);
        poll(STREAM);
        assertThat(lastEventRequest().queryParameter("fromUpdateDate").firstValue()).isEqualTo(Long.toString(T0 - OVERLAP_MILLIS));
        poll(STREAM);

        assertThat(lastEventRequest().queryParameter("fromUpdateDate").firstValue())
                .as("fromUpdateDate of the poll after the empty one").isEqualTo(Long.toString(T0 - OVERLAP_MILLIS));
        assertThat(log.errors()).isEmpty();
        assertThat(log.infos()).filteredOn(l -> l.startsWith("polled 0 security-events")).hasSize(2);
        assertThat(fileIds()).containsExactly(Events.id(1));
        assertThat(jmsMessages()).hasSize(jmsBefore);
        assertThat(mails()).hasSize(mailsBefore);
        assertThat(webhookRequests()).hasSize(hooksBefore);
        assertThat(rejected(STREAM)).isEmpty();
    }

    // ---- one bad event among good ones ------------------------------------------------------

    @Test
    void badEventsAreRejectedWithAReasonNamingTheFieldWhileTheGoodOnesAreDelivered() throws Exception {
        ObjectNode noId = event(10, T0);
        noId.remove("id");
        ObjectNode typeObject = event(11, T0);
        typeObject.putObject("type").put("name", "SuspectedCredentialsTheft");
        ObjectNode noTime = event(12, T0);
        noTime.remove("lastUpdateTime");
        noTime.remove("createTime");
        String answer = "[" + event(1, T0) + "," + noId + "," + typeObject + ",42," + noTime + "," + event(2, T0 + 1) + "]";
        stubSecurityEvents(answer);

        poll(STREAM);

        List<JsonNode> rejected = rejected(STREAM);
        assertThat(rejected).hasSize(4);
        assertThat(rejected).allSatisfy(r -> assertThat(r.path("stream").asText()).isEqualTo(STREAM));
        assertThat(reasonFor(rejected, noId)).contains("'id'").contains("missing");
        assertThat(reasonFor(rejected, typeObject)).contains("'type'").contains("object");
        assertThat(reasonFor(rejected, JSON.readTree("42"))).contains("not a JSON object");
        assertThat(reasonFor(rejected, noTime)).contains("lastUpdateTime");

        assertThat(fileIds()).containsExactly(Events.id(1), Events.id(2));
        assertThat(jmsMessages()).extracting(m -> m.properties().get("ptaEventId"))
                .containsExactlyInAnyOrder(Events.id(1), Events.id(2));
        assertThat(watermark()).hasValue(T0 + 1);
    }

    @Test
    void aScoreThatIsNotANumberIsDeliveredWithoutScoreAndANumericStringIsRoutedByItsValue() throws Exception {
        ObjectNode abc = event(1, T0);
        abc.put("type", "VaultViaIrregularIp").put("score", "abc");
        ObjectNode numericString = event(2, T0);
        numericString.put("type", "VaultViaIrregularIp").put("score", "82.5");
        stubSecurityEvents(Events.array(abc, numericString));

        poll(STREAM);

        assertThat(rejected(STREAM)).isEmpty();
        JsonNode abcMeta = envelope(Events.id(1)).path("metadata");
        assertThat(abcMeta.get("score").isNull()).as("score of 'abc'").isTrue();
        assertThat(abcMeta.path("severity").asText()).isEqualTo("unknown");
        assertThat(sinksThatReceived(STREAM, Events.id(1))).containsExactlyInAnyOrder("file", "jms");

        JsonNode numericMeta = envelope(Events.id(2)).path("metadata");
        assertThat(numericMeta.path("score").asDouble()).isEqualTo(82.5);
        assertThat(numericMeta.path("severity").asText()).isEqualTo("high");
        assertThat(sinksThatReceived(STREAM, Events.id(2))).containsExactlyInAnyOrder("file", "jms", "webhook", "email");
    }

    // ---- hostile values ---------------------------------------------------------------------

    @Test
    void aLineBreakInTheAccountCannotAddAMailHeader() throws Exception {
        ObjectNode hostile = Events.security(Events.id(1), "SuspectedCredentialsTheft", 20.0, T0);
        ((ObjectNode) hostile.path("audits").path(0).path("account"))
                .put("accountAsStr", "x\r\nBcc: attacker@evil.test");
        stubSecurityEvents(Events.array(hostile));

        poll(STREAM);

        assertThat(mails()).as("one delivery, to the configured recipient only").hasSize(1);
        MimeMessage mail = mails()[0];
        assertThat(mail.getSubject()).doesNotContain("\r").doesNotContain("\n").contains("x").contains("SuspectedCredentialsTheft");
        assertThat(mail.getHeader("Bcc")).isNull();
        assertThat(mail.getHeader("Cc")).isNull();
        assertThat(mail.getAllRecipients()).extracting(Address::toString).containsExactly("soc@example.test");
        assertThat(SMTP.getReceivedMessagesForDomain("evil.test")).isEmpty();
        assertThat(SMTP.getReceivedMessagesForDomain("example.test")).hasSize(1);
    }

    @Test
    void anEventTypeWithALineBreakIsRejectedAndNeverEmailed() throws Exception {
        ObjectNode hostile = Events.security(Events.id(1), "SuspectedCredentialsTheft\r\nBcc: attacker@evil.test", 95.0, T0);
        stubSecurityEvents(Events.array(hostile, event(2, T0)));

        poll(STREAM);

        assertThat(rejected(STREAM)).singleElement().satisfies(r -> {
            assertThat(r.path("reason").asText()).contains("'type'").contains("control characters");
            assertThat(r.path("event")).isEqualTo(JSON.readTree(hostile.toString()));
        });
        assertThat(mails()).isEmpty();
        assertThat(SMTP.getReceivedMessagesForDomain("evil.test")).isEmpty();
        assertThat(sinksThatReceived(STREAM, Events.id(1))).isEmpty();
        assertThat(fileIds()).containsExactly(Events.id(2));
    }

    // ---- what reaches a sink is the event, and only the event --------------------------------

    @Test
    void ptaResponseHeadersNeverReachASinkAndEverySinkGetsTheEventExactlyAsSent() throws Exception {
        String original = "{\"id\":\"" + Events.id(7) + "\",\"type\":\"VaultViaIrregularIp\",\"score\":29.414062500000004,"
                          + "\"createTime\":" + (T0 - 5000) + ",\"lastUpdateTime\":" + T0 + ",\"mStatus\":\"OPEN\","
                          + "\"audits\":[{\"id\":\"a1\",\"type\":\"WINDOWS_LOGON\",\"account\":{\"accountAsStr\":\"admin@srv-db-07\"}}],"
                          + "\"additionalData\":{\"aggregation_count\":3,\"ratio\":1.10,\"big\":123456789012345678901234567890,"
                          + "\"matchPatterns\":[\"a\",\"b\"],\"station\":\"Zürich ☃\"}}";
        // medium by score here (see settings()), so it reaches file, JMS and the webhook; and a high one for the mail
        String high = Events.security(Events.id(8), "SuspectedCredentialsTheft", 90.0, T0).toString();
        stubSecurityEvents("[" + original + "," + high + "]");

        poll(STREAM);

        JsonNode expected = EXACT.readTree(original);
        String fileLine = fileLines().stream().filter(l -> l.contains(Events.id(7))).findFirst().orElseThrow();
        assertThat(fileLine).contains("\"score\":29.414062500000004").contains(original);
        assertThat(EXACT.readTree(fileLine).get("event")).isEqualTo(expected);

        RouterTestSupport.JmsMessage jms = jmsMessages().stream()
                .filter(m -> Events.id(7).equals(m.properties().get("ptaEventId"))).findFirst().orElseThrow();
        assertThat(jms.text()).contains(original);
        assertThat(EXACT.readTree(jms.text()).get("event")).isEqualTo(expected);

        List<LoggedRequest> hooks = webhookRequests();
        LoggedRequest hook = hooks.stream().filter(r -> Events.id(7).equals(r.getHeader("X-Pta-Event-Id")))
                .findFirst().orElseThrow();
        String hookBody = new String(hook.getBody(), StandardCharsets.UTF_8);
        assertThat(hookBody).contains(original);
        assertThat(EXACT.readTree(hookBody).get("event")).isEqualTo(expected);

        // PTA's response headers (and the PTA session token) stay behind
        assertThat(jmsMessages()).allSatisfy(m -> {
            assertThat(m.properties().keySet()).noneMatch(k -> k.toLowerCase().contains("internal"));
            assertThat(m.properties().values()).noneMatch(v -> String.valueOf(v).contains("pvwa-node-7"));
            assertThat(m.properties().values()).noneMatch(v -> String.valueOf(v).contains(TOKEN));
        });
        assertThat(hooks).isNotEmpty().allSatisfy(r -> {
            assertThat(r.containsHeader("X-Internal-Node")).isFalse();
            assertThat(r.getHeaders().all()).extracting(HttpHeader::firstValue)
                    .noneMatch(v -> v.contains("pvwa-node-7") || v.contains(TOKEN));
        });
        MimeMessage mail = mails()[0];
        assertThat(mail.getHeader("X-Internal-Node")).isNull();
    }

    // ---- helpers ------------------------------------------------------------------------------


    private static ObjectNode event(int n, long time) {
        return Events.security(Events.id(n), "PSMSuspiciousActivity", 50.0, time);
    }

    private void pollOnce(ObjectNode... events) throws Exception {
        stubSecurityEvents(Events.array(events));
        poll(STREAM);
    }

    private OptionalLong watermark() {
        return context.getRegistry().lookupByNameAndType("ptaWatermarks", Watermarks.class).get(STREAM);
    }

    private static LoggedRequest lastEventRequest() {
        List<LoggedRequest> requests = eventRequests();
        // findAll lists the requests in the order they arrived
        return requests.get(requests.size() - 1);
    }

    private List<String> fileIds() throws Exception {
        return fileEnvelopes(STREAM).stream().map(e -> e.path("metadata").path("id").asText()).toList();
    }

    private JsonNode envelope(String id) throws Exception {
        return fileEnvelopes(STREAM).stream().filter(e -> e.path("metadata").path("id").asText().equals(id))
                .findFirst().orElseThrow();
    }

    private List<String> fileLines() throws Exception {
        try (Stream<Path> files = Files.list(work.resolve("events"))) {
            return files.flatMap(f -> {
                try {
                    return Files.readAllLines(f, StandardCharsets.UTF_8).stream();
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }).toList();
        }
    }

    private static String reasonFor(List<JsonNode> rejected, JsonNode event) throws Exception {
        JsonNode raw = JSON.readTree(event.toString());
        return rejected.stream().filter(r -> r.path("event").equals(raw)).findFirst()
                .map(r -> r.path("reason").asText())
                .orElseThrow(() -> new AssertionError("no rejected record holds " + raw + " as its event"));
    }

    /** The lines pta-router logs about polls, as an operator reads them. */
    private static final class LogLines extends AbstractAppender {

        private final List<LogEvent> events = new CopyOnWriteArrayList<>();
        private final org.apache.logging.log4j.core.Logger logger =
                (org.apache.logging.log4j.core.Logger) LogManager.getLogger(PollTracker.class);

        LogLines() {
            super("poll-log-lines", null, null, true, Property.EMPTY_ARRAY);
        }

        void attach() {
            start();
            logger.addAppender(this);
        }

        void detach() {
            logger.removeAppender(this);
            stop();
        }

        void clear() {
            events.clear();
        }

        @Override
        public void append(LogEvent event) {
            events.add(event.toImmutable());
        }

        List<String> errors() {
            return lines(org.apache.logging.log4j.Level.ERROR);
        }

        List<String> infos() {
            return lines(org.apache.logging.log4j.Level.INFO);
        }

        private List<String> lines(org.apache.logging.log4j.Level level) {
            return events.stream().filter(e -> e.getLevel() == level)
                    .map(e -> e.getMessage().getFormattedMessage()).toList();
        }
    }
}
