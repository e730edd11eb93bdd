package io.ptarouter.pta;

import static com.github.tomakehurst.wiremock.client.WireMock.ok;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.ptarouter.testing.Events;
import io.ptarouter.testing.LogCapture;
import io.ptarouter.testing.RouterTestSupport;

/**
 * An {@link Error} during a poll (the heap or the stack ran out while PTA's answer was read or an
 * event was handled) is reported by the poll like any other failure, in its "poll failed" line,
 * not left to Quartz's log; no exchange is left in flight, the watermark stays, and the next poll
 * runs as usual.
 */
class ErrorInPollTest extends RouterTestSupport {

    private static final String STREAM = "security-events";
    private static final long T0 = NOW.toEpochMilli() - 60_000;

    @RegisterExtension
    final LogCapture log = new LogCapture();

    /** After how many bytes of PTA's answer the reader's stream throws {@link #failure}; -1: never. */
    private volatile long failAfter = -1;
    private volatile Error failure;

    @BeforeEach
    void peers() {
        stubLogon(TOKEN);
        WEBHOOK.stubFor(post(urlPathEqualTo("/hooks/pta")).willReturn(ok()));
    }

    @Override
    protected Map<String, String> settings() {
        return Map.of("pta.sink.email.enabled", "false", "pta.sink.webhook.enabled", "false");
    }

    @Override
    protected void loadRoutes(CamelContext context) throws Exception {
        // The real reader, reading PTA's answer through a stream that runs out of memory (or stack) when told to,
        // as the parse of a huge event did in a 256 MB heap; a little at a time, so the events before it are read.
        SecurityEventReader real = context.getRegistry().lookupByNameAndType("ptaSecurityEventReader", SecurityEventReader.class);
        context.getRegistry().unbind("ptaSecurityEventReader");
        context.getRegistry().bind("ptaSecurityEventReader", new Object() {
            @SuppressWarnings("unused")
            public Iterator<PtaEvent> read(Exchange exchange) throws IOException {
                InputStream answer = exchange.getMessage().getBody(InputStream.class);
                exchange.getMessage().setBody(new FilterInputStream(answer) {
                    private long read;

                    @Override
                    public int read(byte[] buffer, int offset, int length) throws IOException {
                        if (failAfter >= 0 && read >= failAfter) {
                            throw failure;
                        }
                        int n = super.read(buffer, offset, Math.min(length, 16));
                        read += Math.max(n, 0);
                        return n;
                    }
                });
                return real.read(exchange);
            }
        });
        super.loadRoutes(context);
    }

    @Test
    void anOutOfMemoryErrorWhileTheAnswerIsReadFailsThePollWithItsLineAndLeavesNothingInFlight() throws Exception {
        pollEvents(1, T0);
        String answer = Events.array(event(2, T0 + 1), event(3, T0 + 2), event(4, T0 + 3));
        failAfter = answer.indexOf(Events.id(3)) + 40;
        failure = new OutOfMemoryError("Java heap space");
        stubSecurityEvents(answer);

        poll(STREAM);

        assertThat(pollFailures()).singleElement().satisfies(e -> assertThat(causes(e)).anyMatch(OutOfMemoryError.class::isInstance));
        assertThat(log.text()).contains("security-events poll failed").contains("OutOfMemoryError")
                .contains("Java heap space").contains("watermark stays at " + java.time.Instant.ofEpochMilli(T0));
        await().atMost(Duration.ofSeconds(10)).until(() -> context.getInflightRepository().size() == 0);
        assertThat(watermarks().get(STREAM)).hasValue(T0);
        assertThat(fileIds()).doesNotContain(Events.id(3), Events.id(4));

        failAfter = -1;
        poll(STREAM);

        assertThat(pollFailures()).hasSize(1);
        assertThat(fileIds()).containsExactlyInAnyOrder(Events.id(1), Events.id(2), Events.id(3), Events.id(4));
        assertThat(watermarks().get(STREAM)).hasValue(T0 + 3);
    }

    @Test
    void aStackOverflowErrorWhileTheAnswerIsReadFailsThePollLikeAnyFailure() throws Exception {
        failAfter = 0;
        failure = new StackOverflowError();
        stubSecurityEvents(Events.array(event(1, T0)));

        poll(STREAM);

        assertThat(pollFailures()).singleElement().satisfies(e -> assertThat(causes(e)).anyMatch(StackOverflowError.class::isInstance));
        assertThat(log.text()).contains("security-events poll failed after 0 events in").contains("StackOverflowError");
        await().atMost(Duration.ofSeconds(10)).until(() -> context.getInflightRepository().size() == 0);
        assertThat(watermarks().get(STREAM)).isEmpty();
    }

    private void pollEvents(int n, long time) throws Exception {
        stubSecurityEvents(Events.array(event(n, time)));
        poll(STREAM);
        assertThat(pollFailures()).isEmpty();
    }

    private static com.fasterxml.jackson.databind.node.ObjectNode event(int n, long time) {
        return Events.security(Events.id(n), "VaultViaIrregularIp", 50.0, time);
    }

    private List<String> fileIds() throws IOException {
        return fileEnvelopes(STREAM).stream().map(e -> e.path("metadata").path("id").asText()).toList();
    }

    private static List<Throwable> causes(Throwable e) {
        List<Throwable> chain = new java.util.ArrayList<>();
        for (Throwable t = e; t != null && !chain.contains(t); t = t.getCause()) {
            chain.add(t);
        }
        return chain;
    }
}
