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

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/** The events of an answer, each with its text exactly as PTA sent it where it can go on one line. */
class SecurityEventReaderTest {

    private final CamelContext camel = new DefaultCamelContext();
    private final ObjectMapper json = PtaJson.mapper();

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
    void aReadFieldHoldingAStructureLargerThanAnEventMayBeIsNotBuiltAndItsEventIsTooLarge() throws Exception {
        // 2 MB of empty objects as the id: as a tree, about 700,000 nodes; the event is over max-event-size (1 MB).
        String huge = "{\"id\":[" + "{},".repeat(700_000) + "{}],\"type\":\"T\"}";
        String good = "{\"id\":\"b\",\"type\":\"T\",\"account\":{\"account\":{\"mUser\":\"u\"}}}";

        List<PtaEvent> events = read("[" + huge + "," + good + "]");

        assertThat(events).hasSize(2);
        assertThat(events.get(0).problem()).contains("more than pta.events.max-event-size");
        assertThat(events.get(0).fields().path("id").isContainerNode()).as("the oversized id is not built").isFalse();
        assertThat(events.get(1).problem()).isNull();
        assertThat(events.get(1).text()).isEqualTo(good);
    }

    @Test
    void anAnswerInAnotherEncodingThanUtf8FailsNamingTheEncodingExpected() throws Exception {
        Exchange exchange = new DefaultExchange(camel);
        exchange.getMessage().setBody(new ByteArrayInputStream("[{\"id\":\"a\"}]".getBytes(StandardCharsets.UTF_16BE)));
        assertThatThrownBy(() -> {
            Iterator<PtaEvent> events = new SecurityEventReader().read(exchange);
            while (events.hasNext()) {
                events.next();
            }
        }).isInstanceOf(MalformedResponseException.class).hasMessageContaining("is not UTF-8");
    }

    @Test
    void eachEventKeepsItsTextAsSentNumbersAndNonAsciiIncluded() throws Exception {
        String first = "{\"id\":\"a\",\"score\":12.50,\"big\":123456789012345678901234567890,\"user\":\"Zoë 管理员\"}";
        String second = "{\"id\":\"b\", \"audits\":[{\"n\":1e400}]}";

        List<PtaEvent> events = read("[" + first + " ,\t" + second + "]");

        assertThat(events).extracting(PtaEvent::text).containsExactly(first, second);
        assertThat(events.get(0).tree(json).path("user").asText()).isEqualTo("Zoë 管理员");
        assertThat(events.get(0).fields().path("score").decimalValue()).isEqualByComparingTo("12.50");
        assertThat(events.get(1).fields().path("id").asText()).isEqualTo("b");
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
        // The failure comes with the call for the next event: Camel's splitter looks ahead before it routes one.
        assertThat(events.hasNext()).isTrue();
        assertThatThrownBy(events::next).isInstanceOf(MalformedResponseException.class)
                .hasMessageContaining("after 1 events");
        assertThat(events.hasNext()).isFalse();
    }

    @Test
    void onlyTheMembersClassificationReadsAreBuiltTheRestIsSkipped() throws Exception {
        String event = "{\"id\":\"e1\",\"type\":\"SuspectedCredentialsTheft\",\"score\":\"80\",\"mStatus\":\"OPEN\","
                       + "\"createTime\":1700000000000,\"lastUpdateTime\":1700000500000,\"station\":{\"deep\":[1,[2,{\"x\":3}]]},"
                       + "\"audits\":[{\"user\":\"u\",\"account\":{\"accountAsStr\":\"root@db\",\"extra\":[1]},\"cmd\":\"ls\"},"
                       + "{\"account\":\"second\"},{\"account\":\"third\"}],\"reason\":\"r\"}";

        PtaEvent read = read("[" + event + "]").get(0);

        assertThat(read.text()).isEqualTo(event);
        assertThat(read.fields()).isEqualTo(json.readTree("{\"id\":\"e1\",\"type\":\"SuspectedCredentialsTheft\",\"score\":\"80\","
                + "\"mStatus\":\"OPEN\",\"createTime\":1700000000000,\"lastUpdateTime\":1700000500000,"
                + "\"audits\":[{\"account\":{\"accountAsStr\":\"root@db\",\"extra\":[1]}}]}"));
        assertThat(read.tree(json)).isEqualTo(json.readTree(event));
    }

    /**
     * Classification reads the same from the members the reader builds as from the whole event, for every shape PTA
     * versions and hostile input give those members, or rejects both with the same reason.
     */
    @Test
    void classificationOfTheFieldsIsThatOfTheWholeEvent() throws Exception {
        List<String> events = List.of(
                "{\"id\":\"a\",\"type\":\"T\",\"score\":29.414062500000004,\"mStatus\":\"open\",\"createTime\":1700000000001,\"lastUpdateTime\":1700000000002,"
                + "\"audits\":[{\"account\":{\"name\":\"n\"}}]}",
                "{\"id\":123456789012345678901234567890,\"type\":\"T\",\"score\":\" 7 \",\"status\":\"closed\",\"createTime\":\"2026-01-01T00:00:00Z\"}",
                "{\"id\":\"b\",\"type\":\"T\",\"score\":\"high\",\"lastUpdateTime\":1.7e12,\"audits\":[]}",
                "{\"id\":\"c\",\"type\":\"T\",\"score\":null,\"lastUpdateTime\":\"1700000000000\",\"audits\":{\"account\":\"x\"}}",
                "{\"id\":\"d\",\"type\":\"T\",\"score\":true,\"lastUpdateTime\":1700000000003,\"audits\":[\"x\",{\"account\":\"y\"}]}",
                "{\"id\":\"e\",\"type\":\"T\",\"lastUpdateTime\":1700000000003,\"audits\":[[{\"account\":\"y\"}]],\"audits\":[{\"account\":\"last wins\"}]}",
                "{\"id\":\"f\",\"id\":\"g\",\"type\":\"T\",\"lastUpdateTime\":1700000000003,\"audits\":[{\"account\":\"a\\u0007b\"}]}",
                "{\"id\":{\"nested\":1},\"type\":\"T\",\"lastUpdateTime\":3}",
                "{\"id\":[\"a\"],\"type\":\"T\",\"lastUpdateTime\":3}",
                "{\"id\":\"h\",\"type\":\"T\"}",
                "{\"id\":\"\",\"type\":\"T\",\"lastUpdateTime\":3}",
                "{\"type\":\"T\",\"lastUpdateTime\":3}",
                "{\"id\":\"i\",\"type\":\"T\\u0000\",\"lastUpdateTime\":3}",
                "{\"id\":\"j\",\"type\":\"T\",\"lastUpdateTime\":\"yesterday\",\"createTime\":5}",
                "{\"id\":\"k\",\"type\":\"T\",\"lastUpdateTime\":99999999999999999999999,\"audits\":[{\"account\":12}]}",
                "[1,2]",
                "\"just text\"",
                "null");

        List<PtaEvent> read = read("[" + String.join(",", events) + "]");

        assertThat(read).hasSize(events.size());
        for (int i = 0; i < events.size(); i++) {
            assertThat(classify(read.get(i).fields())).as(events.get(i)).isEqualTo(classify(json.readTree(events.get(i))));
            assertThat(read.get(i).text()).isEqualTo(events.get(i));
        }
    }

    private static Object classify(JsonNode event) {
        try {
            return EventMetadata.of(PtaStream.SECURITY_EVENTS, event, Long.MAX_VALUE);
        } catch (InvalidEventException e) {
            return e.getMessage();
        }
    }
}
