package io.ptarouter.pta;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.util.Iterator;
import java.util.NoSuchElementException;

import org.apache.camel.Exchange;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.ptarouter.transport.AnswerTimeoutException;

/**
 * Reads the security events answer, a bare JSON array that can hold hundreds of thousands of
 * events, one element at a time: the array is never held in memory. A truncated or malformed
 * answer surfaces as {@link MalformedResponseException} from the iterator, which fails the poll
 * without moving the watermark. Each event comes with its text as PTA sent it ({@link PtaEvent}),
 * taken from the bytes the parser read, and a tree of only the members classification reads: the
 * rest of each event is skipped by the parser, not built. Within {@link AnswerLimits}: an event
 * larger than the limit is handed on with its problem (to be rejected), its bytes not kept; an
 * answer with more events than a poll may read fails the poll after them ({@link IncompleteAnswerException}).
 */
public final class SecurityEventReader {

    private final ObjectMapper json;
    private final AnswerLimits limits;

    public SecurityEventReader() {
        this(AnswerLimits.DEFAULT);
    }

    public SecurityEventReader(AnswerLimits limits) {
        this.limits = limits;
        this.json = PtaJson.mapper(limits.constraints(limits.maxAnswerBytes()));
    }

    public Iterator<PtaEvent> read(Exchange exchange) throws IOException {
        InputStream body = exchange.getMessage().getBody(InputStream.class);
        if (body == null) {
            throw new MalformedResponseException("PTA security events answer has no body: expected a JSON array of "
                    + "security events ([] when there are none)");
        }
        // Room for the largest event plus the parser's read-ahead.
        CapturingInputStream captured = new CapturingInputStream(body, limits.maxEventBytes() + (1 << 16));
        return new Events(json, limits, json.createParser(captured), captured);
    }

    private static final class Events implements Iterator<PtaEvent>, Closeable {

        private final ObjectMapper json;
        private final AnswerLimits limits;
        private final JsonParser parser;
        private final CapturingInputStream captured;
        private long count;
        private PtaEvent next;
        /** Why reading stopped, handed out in place of the next event. */
        private RuntimeException failure;
        private boolean done;

        Events(ObjectMapper json, AnswerLimits limits, JsonParser parser, CapturingInputStream captured) throws IOException {
            this.json = json;
            this.limits = limits;
            this.parser = parser;
            this.captured = captured;
            JsonToken first = nextToken();
            if (first == null) {
                close();
                throw new MalformedResponseException("PTA security events answer is empty: expected a JSON array of "
                        + "security events ([] when there are none)");
            } else if (first != JsonToken.START_ARRAY) {
                String detail = first == JsonToken.START_OBJECT ? describeObject() : "a " + first;
                close();
                throw new MalformedResponseException("PTA security events answer is not a JSON array but " + detail);
            }
        }

        @Override
        public boolean hasNext() {
            if (next == null && failure == null && !done) {
                try {
                    advance();
                } catch (RuntimeException e) {
                    // Camel's splitter looks ahead before it routes the event it holds: that event goes first,
                    // and the failure comes with the next call for one.
                    failure = e;
                }
            }
            return next != null || failure != null;
        }

        @Override
        public PtaEvent next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            if (next == null) {
                RuntimeException e = failure;
                failure = null;
                done = true;
                throw e;
            }
            PtaEvent event = next;
            next = null;
            return event;
        }

        private void advance() {
            try {
                JsonToken token = nextToken();
                if (token == JsonToken.END_ARRAY) {
                    done = true;
                    if (nextToken() != null) {
                        throw malformed("content after the end of the array", null);
                    }
                    close();
                } else if (token == null) {
                    throw malformed("the answer ends before the array is closed (truncated)", null);
                } else if (count >= limits.maxEventsPerPoll()) {
                    stop();
                    throw new IncompleteAnswerException("PTA security events answer holds more than pta.events.max-per-poll ("
                            + limits.maxEventsPerPoll() + ") events: stopped reading after " + count + "; what was read is "
                            + "delivered, the watermark stays (PTA's order is not guaranteed); raise the setting if PTA "
                            + "really holds that many");
                } else {
                    next = event(token);
                    count++;
                }
            } catch (JsonProcessingException e) {
                throw malformed(e.getOriginalMessage(), e);
            } catch (AnswerTimeoutException e) {
                stop();
                throw new IncompleteAnswerException("PTA security events answer cut off after " + count + " events: "
                        + e.getMessage(), e);
            } catch (IOException e) {
                throw malformed("reading the answer failed: " + e.getMessage(), e);
            } catch (Error e) {
                // Thrown out of a split's iterator, an Error (OutOfMemoryError, StackOverflowError, ...) would never
                // reach the poll's error handler and would leave the poll's exchange in flight: the poll fails like any
                // other, and says why.
                stop();
                throw new IncompleteAnswerException("reading PTA security events answer failed: " + e, e);
            }
        }

        private void stop() {
            done = true;
            next = null;
            try {
                close();
            } catch (IOException ignored) {
                // the connection is cut; nothing is read from it any more
            }
        }

        /**
         * The event starting at {@code token}. Where the parser reads UTF-8 bytes, the event's text is taken from them
         * and only the members classification reads are built as a tree; the rest is skipped, not built. An event
         * whose text holds a line break is parsed again from its text, whole: it cannot go on one NDJSON line as it is.
         */
        private PtaEvent event(JsonToken token) throws IOException {
            // Byte offsets, where the parser reads UTF-8 bytes (-1 where it decoded another encoding).
            long start = parser.currentTokenLocation().getByteOffset();
            if (start < 0) {
                // Jackson decoded UTF-16 or UTF-32: no byte offsets, so no size limit could hold. JSON between
                // systems is UTF-8 (RFC 8259), as PTA sends it.
                throw new MalformedResponseException("PTA security events answer is not UTF-8: expected UTF-8 JSON "
                        + "(RFC 8259), the only encoding its limits can be held to");
            }
            JsonNode fields = token == JsonToken.START_OBJECT ? classifiedFields() : nonObject(token);
            long end = parser.currentLocation().getByteOffset();
            if (end - start > limits.maxEventBytes()) {
                captured.release(end);
                // Only the members classification reads were kept, to name the event; the rest was skipped unread.
                return new PtaEvent(fields, null, "the event is " + (end - start) + " bytes, more than "
                        + "pta.events.max-event-size (" + limits.maxEventBytes() + "); only the fields pta-router reads are kept");
            }
            String text = captured.text(start, end);
            captured.release(end);
            if (text == null) {
                // CapturingInputStream keeps every byte after the last release; only a skip() could lose them.
                throw new IOException("the bytes of event " + (count + 1) + " were not kept");
            }
            if (text.indexOf('\n') >= 0 || text.indexOf('\r') >= 0) {
                return new PtaEvent(json.readTree(text), null);
            }
            return new PtaEvent(fields, text);
        }

        /** An event that is not an object (rejected later, as such): skipped first, so that its size is known. */
        private JsonNode nonObject(JsonToken token) throws IOException {
            if (!token.isStructStart()) {
                return value(token);
            }
            long start = parser.currentTokenLocation().getByteOffset();
            parser.skipChildren();
            String text = captured.text(start, parser.currentLocation().getByteOffset());
            return text == null ? json.getNodeFactory().arrayNode() : json.readTree(text);
        }

        /** The members of a security event that {@link EventMetadata} reads, from the parser at the event's '{'. */
        private JsonNode classifiedFields() throws IOException {
            ObjectNode fields = json.getNodeFactory().objectNode();
            for (String name = parser.nextFieldName(); name != null; name = parser.nextFieldName()) {
                JsonToken token = parser.nextToken();
                if (EventMetadata.SECURITY_EVENT_FIELDS.contains(name)) {
                    fields.set(name, value(token));
                } else if (EventMetadata.AUDITS.equals(name)) {
                    fields.set(name, token == JsonToken.START_ARRAY ? firstAuditAccount() : value(token));
                } else {
                    parser.skipChildren();
                }
            }
            return fields;
        }

        /** Of the audits array, the first audit with only its account; the other members and audits are skipped. */
        private JsonNode firstAuditAccount() throws IOException {
            ArrayNode audits = json.getNodeFactory().arrayNode();
            JsonToken element = parser.nextToken();
            if (element == JsonToken.START_OBJECT) {
                ObjectNode first = audits.addObject();
                for (String name = parser.nextFieldName(); name != null; name = parser.nextFieldName()) {
                    JsonToken token = parser.nextToken();
                    if (EventMetadata.AUDIT_ACCOUNT.equals(name)) {
                        first.set(name, value(token));
                    } else {
                        parser.skipChildren();
                    }
                }
                element = parser.nextToken();
            } else if (element != JsonToken.END_ARRAY && element != null) {
                audits.add(value(element));
                element = parser.nextToken();
            }
            while (element != JsonToken.END_ARRAY && element != null) {
                parser.skipChildren();
                element = parser.nextToken();
            }
            return audits;
        }

        /** The value at {@code token} as the node the whole tree would hold (the mapper's float and number settings). */
        private JsonNode value(JsonToken token) throws IOException {
            JsonNodeFactory nodes = json.getNodeFactory();
            return switch (token) {
                case VALUE_STRING -> nodes.textNode(parser.getText());
                case VALUE_NUMBER_INT -> switch (parser.getNumberType()) {
                    case INT -> nodes.numberNode(parser.getIntValue());
                    case LONG -> nodes.numberNode(parser.getLongValue());
                    default -> nodes.numberNode(parser.getBigIntegerValue());
                };
                case VALUE_NUMBER_FLOAT -> nodes.numberNode(parser.getDecimalValue());
                case VALUE_TRUE, VALUE_FALSE -> nodes.booleanNode(token == JsonToken.VALUE_TRUE);
                case VALUE_NULL -> nodes.nullNode();
                // objects and arrays (an account given as an object): built from their text, which is kept only
                // up to pta.events.max-event-size; a larger one makes the event too large, and it is rejected as such
                default -> {
                    long start = parser.currentTokenLocation().getByteOffset();
                    parser.skipChildren();
                    String text = captured.text(start, parser.currentLocation().getByteOffset());
                    yield text == null ? nodes.nullNode() : json.readTree(text);
                }
            };
        }

        private JsonToken nextToken() throws IOException {
            try {
                return parser.nextToken();
            } catch (JsonProcessingException e) {
                throw malformed(e.getOriginalMessage(), e);
            }
        }

        private String describeObject() throws IOException {
            JsonNode object = json.readTree(parser);
            if (object.has("ErrorCode")) {
                return "an error: " + object.path("ErrorCode").asText() + " " + object.path("ErrorMessage").asText();
            }
            return "an object with fields " + iteratorToString(object.fieldNames());
        }

        private static String iteratorToString(Iterator<String> names) {
            StringBuilder text = new StringBuilder();
            names.forEachRemaining(n -> text.append(text.length() == 0 ? "" : ", ").append(n));
            return text.length() > 200 ? text.substring(0, 200) + "..." : text.toString();
        }

        private MalformedResponseException malformed(String problem, Throwable cause) {
            boolean overLimit = cause instanceof StreamConstraintsException;
            if (overLimit) {
                problem += " (pta.events.max-event-size bounds a string, pta.events.max-answer-size the answer)";
            }
            JsonLocation at = parser.currentLocation();
            done = true;
            next = null;
            try {
                close();
            } catch (IOException ignored) {
                // the answer is already broken; the parse error is what matters
            }
            return new MalformedResponseException("PTA security events answer is " + (overLimit ? "over a limit" : "malformed") + " at line " + at.getLineNr()
                    + ", column " + at.getColumnNr() + " after " + count + " events: " + problem, cause);
        }

        @Override
        public void close() throws IOException {
            parser.close();
        }
    }
}
