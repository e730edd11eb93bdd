package io.ptarouter.routing;

import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.apache.camel.Message;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.ptarouter.pta.EventMetadata;
import io.ptarouter.pta.InvalidEventException;
import io.ptarouter.pta.Poll;
import io.ptarouter.pta.PollTracker;
import io.ptarouter.pta.PtaEvent;
import io.ptarouter.pta.PtaJson;

/**
 * Turns one PTA event into the message every sink receives: the body is an envelope
 * {@code {"metadata": {...}, "event": <the event exactly as PTA sent it>}}, and the routing
 * metadata is also set as {@code pta*} headers for the router and for JMS selectors.
 */
public final class EventClassifier implements Processor {

    private static final Logger LOG = LoggerFactory.getLogger(EventClassifier.class);

    public static final String STREAM = "ptaStream";
    public static final String ID = "ptaEventId";
    public static final String TYPE = "ptaEventType";
    public static final String SCORE = "ptaScore";
    public static final String SEVERITY = "ptaSeverity";
    public static final String STATUS = "ptaStatus";
    public static final String EVENT_TIME = "ptaEventTime";
    public static final String VERSION = "ptaVersion";
    public static final String UPDATE = "ptaUpdate";
    public static final String ACCOUNT = "ptaAccount";
    public static final String DELIVERY_KEY = "ptaDeliveryKey";
    /** Exchange property: the version's event time in epoch ms. */
    public static final String EVENT_TIME_MILLIS = "ptaEventTimeMillis";
    /** The event as received, kept for the rejected-events file when classification fails. */
    public static final String RAW_EVENT = "ptaRawEvent";

    private final SeverityBands bands;
    private final ObjectMapper json = PtaJson.mapper();

    public EventClassifier(SeverityBands bands) {
        this.bands = bands;
    }

    /** Routes call {@link #classify} as a processor: directly, without a bean method call's reflection. */
    @Override
    public void process(Exchange exchange) throws JsonProcessingException {
        classify(exchange);
    }

    public void classify(Exchange exchange) throws JsonProcessingException {
        Poll poll = PollTracker.poll(exchange);
        Message message = exchange.getMessage();
        // From the security events reader, the event with its text; from a risk events page, the tree.
        PtaEvent read = message.getBody() instanceof PtaEvent e ? e : new PtaEvent(message.getBody(JsonNode.class), null);
        JsonNode event = read.tree();
        exchange.setProperty(RAW_EVENT, event);
        message.removeHeaders("*");
        message.setHeader(STREAM, poll.stream().id());
        EventMetadata metadata;
        try {
            metadata = EventMetadata.of(poll.stream(), event);
        } catch (InvalidEventException e) {
            poll.receivedWithoutTime();
            throw e;
        }
        poll.received(metadata.eventTimeMillis());
        if (metadata.scoreProblem() != null) {
            LOG.warn("{} event {}: {}", poll.stream().id(), metadata.id(), metadata.scoreProblem());
        }
        String severity = bands.severity(metadata.score());

        message.setHeader(ID, metadata.id());
        message.setHeader(TYPE, metadata.type());
        message.setHeader(SCORE, metadata.score());
        message.setHeader(SEVERITY, severity);
        message.setHeader(STATUS, metadata.status());
        String eventTime = metadata.eventTime().toString();
        message.setHeader(EVENT_TIME, eventTime);
        message.setHeader(VERSION, metadata.version());
        message.setHeader(UPDATE, metadata.update());
        message.setHeader(ACCOUNT, metadata.account());
        message.setHeader(DELIVERY_KEY, metadata.deliveryKey());
        exchange.setProperty(DELIVERY_KEY, metadata.deliveryKey()); // survives the sinks' header clean-up
        exchange.setProperty(EVENT_TIME_MILLIS, metadata.eventTimeMillis());
        ObjectNode meta = metadata(metadata, severity, eventTime);
        if (read.text() != null) {
            // The event's text as PTA sent it, not written out again from its tree: the same JSON, for less work.
            message.setBody("{\"metadata\":" + json.writeValueAsString(meta) + ",\"event\":" + read.text() + "}");
        } else {
            ObjectNode envelope = json.createObjectNode();
            envelope.set("metadata", meta);
            envelope.set("event", event);
            message.setBody(json.writeValueAsString(envelope));
        }
    }

    private ObjectNode metadata(EventMetadata metadata, String severity, String eventTime) {
        ObjectNode meta = json.createObjectNode()
                .put("stream", metadata.stream().id())
                .put("id", metadata.id())
                .put("type", metadata.type());
        if (metadata.score() == null) {
            meta.putNull("score");
        } else {
            meta.put("score", metadata.score());
        }
        meta.put("severity", severity)
                .put("status", metadata.status())
                .put("eventTime", eventTime)
                .put("version", metadata.version())
                .put("update", metadata.update());
        if (metadata.account() != null) {
            meta.put("account", metadata.account());
        }
        return meta;
    }
}
