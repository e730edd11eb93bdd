package io.ptarouter.pta;

import static com.github.tomakehurst.wiremock.client.WireMock.ok;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.ptarouter.testing.Events;
import io.ptarouter.testing.LogCapture;
import io.ptarouter.testing.RouterTestSupport;

/**
 * An event that breaks one of Jackson's limits (a number of more than 100 digits in any field, nesting
 * deeper than 64, a string in a field pta-router reads that is larger than max-event-size) failed the
 * whole poll, and every later poll stalled on it. Now it is rejected like an oversize event, with its
 * reason, its id where it could be read and its size; the events after it in the same answer are
 * delivered, the watermark is set by the good events only, and the next poll goes on from there. A
 * megabyte of whitespace before an event used to lose that event's bytes and fail every poll.
 */
class EventOverALimitTest extends RouterTestSupport {

    private static final String STREAM = "security-events";
    private static final long T0 = NOW.toEpochMilli() - 60_000;
    private static final int MAX_EVENT = 64 << 10;

    @RegisterExtension
    final LogCapture log = new LogCapture();

    private final MeterRegistry meters = new SimpleMeterRegistry();

    @Override
    protected Map<String, String> settings() {
        return Map.of("pta.events.max-event-size", "64KB");
    }

    @Override
    protected void bindToRegistry(org.apache.camel.spi.Registry registry) {
        registry.bind("metricsRegistry", meters);
    }

    @BeforeEach
    void peers() {
        stubLogon(TOKEN);
        WEBHOOK.stubFor(post(urlPathEqualTo("/hooks/pta")).willReturn(ok()));
    }

    static Stream<Arguments> eventsOverALimit() {
        String digits = "9".repeat(150);
        return Stream.of(
                Arguments.of("a 150-digit number in a field pta-router skips",
                        bad().put("extra", 0).toString().replace("\"extra\":0", "\"extra\":" + digits),
                        "Number value length (150) exceeds the maximum allowed (100"),
                Arguments.of("a 150-digit number in the score",
                        bad().toString().replace("\"score\":95.0", "\"score\":" + digits),
                        "Number value length (150) exceeds the maximum allowed (100"),
                Arguments.of("a 150-digit fraction in a nested field",
                        bad().put("extra", 0).toString().replace("\"extra\":0", "\"extra\":{\"a\":[0." + digits + "]}"),
                        "Number value length"),
                Arguments.of("nesting 100 deep",
                        bad().put("extra", 0).toString().replace("\"extra\":0", "\"extra\":" + "[".repeat(100) + "]".repeat(100)),
                        "Document nesting depth (65) exceeds the maximum allowed (64"),
                Arguments.of("a string larger than max-event-size in the type",
                        bad().toString().replace("\"type\":\"SuspectedCredentialsTheft\"",
                                "\"type\":\"" + "x".repeat(MAX_EVENT * 3) + "\""),
                        "more than pta.events.max-event-size (65536)"),
                Arguments.of("a number larger than max-event-size",
                        bad().put("extra", 0).toString().replace("\"extra\":0", "\"extra\":" + "1".repeat(MAX_EVENT * 2)),
                        "more than pta.events.max-event-size (65536)"),
                Arguments.of("nesting larger than max-event-size",
                        bad().put("extra", 0).toString().replace("\"extra\":0",
                                "\"extra\":" + "[".repeat(MAX_EVENT) + "]".repeat(MAX_EVENT)),
                        "more than pta.events.max-event-size (65536)"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("eventsOverALimit")
    void anEventOverALimitIsRejectedAndThePollGoesOnWithTheNextEvents(String what, String bad, String reason) throws Exception {
        pollAnswer(Events.array(good(1, T0)));

        pollAnswer("[" + good(2, T0 + 10) + "," + bad + "," + good(3, T0 + 5) + "]");

        assertThat(pollFailures()).as("failed polls").isEmpty();
        assertThat(rejected(STREAM)).singleElement().satisfies(r -> {
            assertThat(r.path("reason").asText()).contains(reason);
            assertThat(r.path("event").path("id").asText()).isEqualTo(Events.id(9));
        });
        if (bad.length() <= MAX_EVENT) {
            assertThat(rejected(STREAM).get(0).path("text").asText()).as("the event as it came").isEqualTo(bad);
            assertThat(rejected(STREAM).get(0).path("reason").asText()).startsWith("the event (" + bad.length() + " bytes) is over a limit: ");
        } else {
            assertThat(rejected(STREAM).get(0).path("reason").asText()).startsWith("the event is " + bad.length() + " bytes");
        }
        assertThat(log.text()).contains("security-events event " + Events.id(9) + " rejected: ")
                .containsPattern("polled 3 security-events.*1 rejected");
        assertThat(meters.counter("pta.events", "stream", STREAM, "outcome", "rejected").count()).isEqualTo(1);
        assertThat(fileIds()).containsExactly(Events.id(1), Events.id(2), Events.id(3));
        assertThat(watermarks().get(STREAM)).as("the good events' newest time, not the rejected one's").hasValue(T0 + 10);

        pollAnswer(Events.array(good(4, T0 + 30)));

        assertThat(lastEventRequest().queryParameter("fromUpdateDate").firstValue())
                .isEqualTo(Long.toString(T0 + 10 - OVERLAP_MILLIS));
        assertThat(fileIds()).containsExactly(Events.id(1), Events.id(2), Events.id(3), Events.id(4));
        assertThat(pollFailures()).isEmpty();
    }

    @Test
    void moreWhitespaceBeforeAnEventThanAnEventMayHoldIsNotPartOfIt() throws Exception {
        String blanks = " \n\t\r".repeat(MAX_EVENT); // 4 times max-event-size

        pollAnswer("[" + blanks + good(1, T0) + "," + blanks + good(2, T0 + 1) + blanks + "]" + blanks);

        assertThat(pollFailures()).isEmpty();
        assertThat(rejected(STREAM)).isEmpty();
        assertThat(fileIds()).containsExactly(Events.id(1), Events.id(2));
        assertThat(watermarks().get(STREAM)).hasValue(T0 + 1);
    }

    @Test
    void aMalformedEventStillFailsThePollNamingWhereItBroke() throws Exception {
        pollAnswer(Events.array(good(1, T0)));
        String broken = good(2, T0 + 1).toString().replace("\"score\":10.0", "\"score\":1x");

        pollAnswer("[" + good(3, T0 + 2) + "," + broken + "]");

        assertThat(pollFailures()).singleElement().satisfies(f -> assertThat(f.getMessage())
                .contains("PTA security events answer is malformed at byte").contains("in event 2"));
        assertThat(watermarks().get(STREAM)).hasValue(T0);
    }

    /** The event to reject (its id comes first, so that it is read even when the event is cut off). */
    private static ObjectNode bad() {
        return Events.security(Events.id(9), "SuspectedCredentialsTheft", 95.0, T0 + 20);
    }

    private static ObjectNode good(int n, long time) {
        return Events.security(Events.id(n), "VaultViaIrregularIp", 10.0, time);
    }

    private void pollAnswer(String answer) throws Exception {
        stubSecurityEvents(answer);
        poll(STREAM);
    }

    private static LoggedRequest lastEventRequest() {
        List<LoggedRequest> requests = eventRequests();
        return requests.get(requests.size() - 1);
    }

    private List<String> fileIds() throws Exception {
        return fileEnvelopes(STREAM).stream().map(e -> e.path("metadata").path("id").asText()).toList();
    }
}
