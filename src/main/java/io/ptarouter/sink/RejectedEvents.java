package io.ptarouter.sink;

import java.time.Instant;

import org.apache.camel.Exchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.ptarouter.pta.Poll;
import io.ptarouter.pta.PollTracker;
import io.ptarouter.pta.PtaEvent;
import io.ptarouter.pta.PtaJson;
import io.ptarouter.routing.EventClassifier;

/**
 * An event that cannot be routed is not dropped: it is written, with the reason, to the
 * rejected-events file (one JSON line each) so an operator can look at it and replay it, and the
 * poll goes on with the next event.
 */
public final class RejectedEvents {

    private static final Logger LOG = LoggerFactory.getLogger(RejectedEvents.class);

    private final ObjectMapper json = PtaJson.mapper();

    public void describe(Exchange exchange) throws JsonProcessingException {
        Poll poll = PollTracker.poll(exchange);
        poll.markRejected();
        Throwable cause = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        String reason = cause == null ? "unknown" : cause.getMessage();
        PtaEvent raw = exchange.getProperty(EventClassifier.RAW_EVENT, PtaEvent.class);
        JsonNode event = raw == null ? null : raw.tree(json);
        String id = event != null && event.path("id").isValueNode() ? event.path("id").asText() : "(no id)";
        if (id.length() > 64 || id.chars().anyMatch(Character::isISOControl)) {
            id = "(unprintable id)";
        }
        LOG.warn("{} event {} rejected: {}; kept in the rejected-events file", poll.stream().id(), id, reason);

        ObjectNode record = json.createObjectNode()
                .put("rejectedAt", Instant.now().toString())
                .put("stream", poll.stream().id())
                .put("reason", reason);
        record.set("event", event);
        if (raw != null && raw.problem() != null && raw.text() != null) {
            // over a limit of its parts, so not parsed again: the event as it came, as a string
            record.put("text", raw.text());
        }
        exchange.getMessage().removeHeaders("*");
        exchange.getMessage().setHeader(EventClassifier.STREAM, poll.stream().id());
        exchange.getMessage().setBody(json.writeValueAsString(record));
    }
}
