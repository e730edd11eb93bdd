package io.ptarouter.pta;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The events of an answer, each with its text exactly as PTA sent it where it can go on one line. */
class SecurityEventReaderTest {

    private final CamelContext camel = new DefaultCamelContext();

    @AfterEach
    void close() throws Exception {
        camel.close();
    }

    private List<PtaEvent> read(String answer) throws Exception {
        Exchange exchange = new DefaultExchange(camel);
        exchange.getMessage().setBody(new ByteArrayInputStream(answer.getBytes(StandardCharsets.UTF_8)));
        List<PtaEvent> events = new ArrayList<>();
        for (Iterator<PtaEvent> it = new SecurityEventReader().read(exchange); it.hasNext(); ) {
            events.add(it.next());
        }
        return events;
    }

    @Test
    void eachEventKeepsItsTextAsSentNumbersAndNonAsciiIncluded() throws Exception {
        String first = "{\"id\":\"a\",\"score\":12.50,\"big\":123456789012345678901234567890,\"user\":\"Zoë 管理员\"}";
        String second = "{\"id\":\"b\", \"audits\":[{\"n\":1e400}]}";

        List<PtaEvent> events = read("[" + first + " ,\t" + second + "]");

        assertThat(events).extracting(PtaEvent::text).containsExactly(first, second);
        assertThat(events.get(0).tree().path("user").asText()).isEqualTo("Zoë 管理员");
        assertThat(events.get(1).tree().path("id").asText()).isEqualTo("b");
    }

    @Test
    void anEventWithALineBreakBetweenItsTokensHasNoTextSoItsTreeIsWrittenOnOneLine() throws Exception {
        List<PtaEvent> events = read("[\n  {\n    \"id\": \"a\"\n  },\n  {\"id\": \"b\"}\n]\n");

        assertThat(events).extracting(PtaEvent::text).containsExactly(null, "{\"id\": \"b\"}");
        assertThat(events.get(0).toString()).isEqualTo("{\"id\":\"a\"}");
    }

    @Test
    void eventsLargerThanTheBufferAndManyOfThemComeOutWhole() throws Exception {
        StringBuilder answer = new StringBuilder("[");
        List<String> sent = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            // Every tenth is 100 KB, larger than the capture's first buffer and the parser's read-ahead.
            String event = "{\"id\":\"e" + i + "\",\"pad\":\"" + "x".repeat(i % 10 == 0 ? 100_000 : 1_000 + i) + "\"}";
            sent.add(event);
            answer.append(i == 0 ? "" : ",").append(event);
        }

        List<PtaEvent> events = read(answer.append("]").toString());

        assertThat(events).extracting(PtaEvent::text).containsExactlyElementsOf(sent);
    }

    @Test
    void aTruncatedAnswerStillFailsAfterTheEventsBeforeIt() throws Exception {
        Exchange exchange = new DefaultExchange(camel);
        exchange.getMessage().setBody(new ByteArrayInputStream("[{\"id\":\"a\"},{\"id\":".getBytes(StandardCharsets.UTF_8)));
        Iterator<PtaEvent> events = new SecurityEventReader().read(exchange);

        assertThat(events.next().text()).isEqualTo("{\"id\":\"a\"}");
        assertThatThrownBy(events::hasNext).isInstanceOf(MalformedResponseException.class)
                .hasMessageContaining("after 1 events");
    }
}
