package io.ptarouter.routing;

import java.time.Clock;
import java.time.Duration;

import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.apache.camel.Message;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.io.JsonStringEncoder;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

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
    /** The event as received (a {@link PtaEvent}), kept for the rejected-events file when classification fails. */
    public static final String RAW_EVENT = "ptaRawEvent";

    private final SeverityBands bands;
    private final Clock clock;
    private final long maxClockSkewMillis;
    private final ObjectMapper json = PtaJson.mapper();

    /** @param maxClockSkew how far past this host's clock an event time may be; a later one is rejected */
    public EventClassifier(SeverityBands bands, Clock clock, Duration maxClockSkew) {
        this.bands = bands;
        this.clock = clock;
        this.maxClockSkewMillis = maxClockSkew.toMillis();
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
        JsonNode event = read.fields();
        exchange.setProperty(RAW_EVENT, read);
        message.removeHeaders("*");
        message.setHeader(STREAM, poll.stream().id());
        EventMetadata metadata;
        try {
            if (read.problem() != null) {
                throw new InvalidEventException(read.problem());
            }
            metadata = EventMetadata.of(poll.stream(), event, clock.millis() + maxClockSkewMillis);
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
        String eventTime = IsoTime.of(metadata.eventTimeMillis());
        message.setHeader(EVENT_TIME, eventTime);
        message.setHeader(VERSION, metadata.version());
        message.setHeader(UPDATE, metadata.update());
        message.setHeader(ACCOUNT, metadata.account());
        message.setHeader(DELIVERY_KEY, metadata.deliveryKey());
        exchange.setProperty(DELIVERY_KEY, metadata.deliveryKey()); // survives the sinks' header clean-up
        exchange.setProperty(EVENT_TIME_MILLIS, metadata.eventTimeMillis());
        String meta = metadataJson(metadata, severity, eventTime);
        // The event's text as PTA sent it where the reader kept it (the same JSON, for less work); otherwise
        // (a risk event, an event spread over lines) its whole tree written out on one line.
        String text = read.text() != null ? read.text() : json.writeValueAsString(event);
        // One concatenation: the JDK sizes it exactly and copies each part once.
        message.setBody("{\"metadata\":" + meta + ",\"event\":" + text + "}");
    }

    /**
     * The envelope's metadata object as JSON text, written directly: a Jackson tree and generator per event cost a
     * good part of the event's classification. Strings are escaped by Jackson's encoder; the text is the one Jackson
     * writes for the same object (EventClassifierTest).
     */
    static String metadataJson(EventMetadata metadata, String severity, String eventTime) {
        StringBuilder out = new StringBuilder(256);
        out.append("{\"stream\":");
        string(out, metadata.stream().id());
        out.append(",\"id\":");
        string(out, metadata.id());
        out.append(",\"type\":");
        string(out, metadata.type());
        out.append(",\"score\":");
        Double score = metadata.score();
        if (score == null) {
            out.append("null");
        } else if (Double.isFinite(score)) {
            out.append(score.doubleValue());
        } else {
            string(out, score.toString()); // as Jackson writes a number JSON has no literal for
        }
        out.append(",\"severity\":");
        string(out, severity);
        out.append(",\"status\":");
        string(out, metadata.status());
        out.append(",\"eventTime\":");
        string(out, eventTime);
        out.append(",\"version\":").append(metadata.version());
        out.append(",\"update\":").append(metadata.update());
        if (metadata.account() != null) {
            out.append(",\"account\":");
            string(out, metadata.account());
        }
        return out.append('}').toString();
    }

    private static void string(StringBuilder out, String value) {
        if (value == null) {
            out.append("null");
            return;
        }
        out.append('"');
        if (needsEscape(value)) {
            JsonStringEncoder.getInstance().quoteAsString(value, out);
        } else {
            out.append(value); // most values: the encoder would copy them one character at a time to the same text
        }
        out.append('"');
    }

    /** Whether JSON needs an escape in {@code value}: a quote, a backslash or a control character (what Jackson escapes). */
    private static boolean needsEscape(String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c < 0x20 || c == '"' || c == '\\') {
                return true;
            }
        }
        return false;
    }
}
