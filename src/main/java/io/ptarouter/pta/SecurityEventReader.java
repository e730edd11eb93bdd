package io.ptarouter.pta;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.NoSuchElementException;

import org.apache.camel.Exchange;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParseException;
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
 * events, one element at a time: the array is never held in memory. {@link ArrayElements} finds
 * each event's bytes, and each event is parsed on its own, within {@link AnswerLimits} and Jackson's
 * {@code StreamReadConstraints}: an event that breaks one (a number of 200 digits, nesting deeper
 * than 64, more bytes than max-event-size) is handed on with its problem, to be rejected, and the
 * answer goes on with the next. A truncated or malformed answer surfaces as
 * {@link MalformedResponseException} from the iterator, which fails the poll without moving the
 * watermark. Each event comes with its text as PTA sent it ({@link PtaEvent}) and a tree of only the
 * members classification reads: the rest of each event is skipped by the parser, not built. An
 * answer with more events than a poll may read fails the poll after them ({@link IncompleteAnswerException}).
 */
public final class SecurityEventReader {

    private final ObjectMapper json;
    /** For an answer that is not an array, to say what it is instead: bounded like a risk events page. */
    private final ObjectMapper describing;
    private final AnswerLimits limits;

    public SecurityEventReader() {
        this(AnswerLimits.DEFAULT);
    }

    public SecurityEventReader(AnswerLimits limits) {
        this.limits = limits;
        this.json = PtaJson.mapper(limits.constraints(limits.maxEventBytes()));
        this.describing = PtaJson.mapper(limits.riskPageConstraints());
    }

    public Iterator<PtaEvent> read(Exchange exchange) throws IOException {
        InputStream body = exchange.getMessage().getBody(InputStream.class);
        if (body == null) {
            throw new MalformedResponseException("PTA security events answer has no body: expected a JSON array of "
                    + "security events ([] when there are none)");
        }
        ArrayElements elements = new ArrayElements(body, limits.maxEventBytes(), limits.maxAnswerBytes());
        int first = elements.peek();
        if (first < 0) {
            body.close();
            throw new MalformedResponseException("PTA security events answer is empty: expected a JSON array of "
                    + "security events ([] when there are none)");
        } else if (first == 0 || first == 0xFE || first == 0xFF) {
            body.close();
            // UTF-16 or UTF-32 (a zero byte or a byte order mark first). JSON between systems is UTF-8 (RFC 8259), as PTA
            // sends it, and the limits of an event are held in its bytes.
            throw new MalformedResponseException("PTA security events answer is not UTF-8: expected UTF-8 JSON (RFC 8259)");
        } else if (first != '[') {
            try (JsonParser parser = describing.createParser(elements.rest())) {
                throw new MalformedResponseException("PTA security events answer is not a JSON array but " + describe(parser));
            } catch (JsonProcessingException e) {
                throw new MalformedResponseException("PTA security events answer is malformed: " + e.getOriginalMessage(), e);
            }
        }
        return new Events(json, limits, elements, body);
    }

    private String describe(JsonParser parser) throws IOException {
        JsonToken first = parser.nextToken();
        if (first != JsonToken.START_OBJECT) {
            return "a " + first;
        }
        JsonNode object = describing.readTree(parser);
        if (object.has("ErrorCode")) {
            return "an error: " + object.path("ErrorCode").asText() + " " + object.path("ErrorMessage").asText();
        }
        StringBuilder text = new StringBuilder();
        object.fieldNames().forEachRemaining(n -> text.append(text.length() == 0 ? "" : ", ").append(n));
        return "an object with fields " + (text.length() > 200 ? text.substring(0, 200) + "..." : text);
    }

    private static final class Events implements Iterator<PtaEvent>, Closeable {

        private final ObjectMapper json;
        private final AnswerLimits limits;
        private final ArrayElements elements;
        private final InputStream body;
        private long count;
        /** While the first bytes of an event too large to hold are read: structures are skipped, not built. */
        private boolean readingPrefix;
        private PtaEvent next;
        /** Why reading stopped, handed out in place of the next event. */
        private RuntimeException failure;
        private boolean done;

        Events(ObjectMapper json, AnswerLimits limits, ArrayElements elements, InputStream body) {
            this.json = json;
            this.limits = limits;
            this.elements = elements;
            this.body = body;
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
                if (count >= limits.maxEventsPerPoll()) {
                    if (elements.next() == null) {
                        stop();
                        return;
                    }
                    stop();
                    throw new IncompleteAnswerException("PTA security events answer holds more than pta.events.max-per-poll ("
                            + limits.maxEventsPerPoll() + ") events: stopped reading after " + count + "; what was read is "
                            + "delivered, the watermark stays (PTA's order is not guaranteed); raise the setting if PTA "
                            + "really holds that many");
                }
                ArrayElements.Element element = elements.next();
                if (element == null) {
                    stop();
                    return;
                }
                next = event(element);
                count++;
            } catch (MalformedResponseException e) {
                stop();
                throw e;
            } catch (AnswerTimeoutException e) {
                stop();
                throw new IncompleteAnswerException("PTA security events answer cut off after " + count + " events: "
                        + e.getMessage(), e);
            } catch (IOException e) {
                stop();
                throw new MalformedResponseException("PTA security events answer is malformed after " + count
                        + " events: reading the answer failed: " + e.getMessage(), e);
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
         * The event in {@code element}, parsed on its own: only the members classification reads are built as a tree,
         * the rest is skipped, not built. An event over a limit is handed on with its problem, with what of those
         * members could be read. An event whose text holds a line break is parsed again from its text, whole: it cannot
         * go on one NDJSON line as it is.
         */
        private PtaEvent event(ArrayElements.Element element) throws IOException {
            ObjectNode fields = json.getNodeFactory().objectNode();
            if (!element.whole()) {
                // Of an event this large only its first bytes are held: the members classification reads among them
                // name it in the rejected-events file.
                readPrefix(element, fields);
                return new PtaEvent(fields, null, "the event is " + element.size() + " bytes, more than "
                        + "pta.events.max-event-size (" + limits.maxEventBytes() + "); only the fields pta-router reads "
                        + "in its first " + element.held() + " bytes are kept");
            }
            String text = new String(element.bytes(), 0, element.held(), StandardCharsets.UTF_8);
            JsonNode tree;
            try (JsonParser parser = json.createParser(element.bytes(), 0, element.held())) {
                JsonToken token = parser.nextToken();
                tree = token == JsonToken.START_OBJECT ? classifiedFields(parser, fields) : json.readTree(parser);
                if (parser.nextToken() != null) {
                    throw new JsonParseException(parser, "content after the event");
                }
            } catch (StreamConstraintsException e) {
                // Within its size, but over a limit of its parts: the event is rejected, whole in the rejected-events file.
                return new PtaEvent(fields, text, "the event (" + element.size() + " bytes) is over a limit: " + e.getOriginalMessage()
                        + " (pta-router reads numbers of up to " + AnswerLimits.MAX_NUMBER_LENGTH + " digits and nesting "
                        + "up to " + AnswerLimits.MAX_DEPTH + " deep)");
            } catch (JsonProcessingException e) {
                JsonLocation at = e.getLocation();
                long offset = element.offset() + (at == null ? 0 : Math.max(0, at.getByteOffset()));
                throw new MalformedResponseException("PTA security events answer is malformed at byte " + offset
                        + ", in event " + (count + 1) + ": " + e.getOriginalMessage(), e);
            }
            if (text.indexOf('\n') >= 0 || text.indexOf('\r') >= 0) {
                return new PtaEvent(json.readTree(text), null);
            }
            return new PtaEvent(tree, text);
        }

        /** The members classification reads among the first bytes of an event too large to hold, as far as they go. */
        private void readPrefix(ArrayElements.Element element, ObjectNode fields) {
            readingPrefix = true;
            try (JsonParser parser = json.createParser(element.bytes(), 0, element.held())) {
                if (parser.nextToken() == JsonToken.START_OBJECT) {
                    classifiedFields(parser, fields);
                }
            } catch (IOException e) {
                // the event is cut off (or over a limit) here: what was read before names it
            } finally {
                readingPrefix = false;
            }
        }

        /** Into {@code fields}, the members of a security event that {@link EventMetadata} reads, from the parser at its '{'. */
        private JsonNode classifiedFields(JsonParser parser, ObjectNode fields) throws IOException {
            for (String name = parser.nextFieldName(); name != null; name = parser.nextFieldName()) {
                JsonToken token = parser.nextToken();
                if (EventMetadata.SCORE.equals(name) && token == JsonToken.VALUE_NUMBER_FLOAT) {
                    fields.set(name, score(parser));
                } else if (EventMetadata.SECURITY_EVENT_FIELDS.contains(name)) {
                    fields.set(name, value(parser, token));
                } else if (EventMetadata.AUDITS.equals(name)) {
                    fields.set(name, token == JsonToken.START_ARRAY ? firstAuditAccount(parser) : value(parser, token));
                } else {
                    parser.skipChildren();
                }
            }
            return fields;
        }

        /** Of the audits array, the first audit with only its account; the other members and audits are skipped. */
        private JsonNode firstAuditAccount(JsonParser parser) throws IOException {
            ArrayNode audits = json.getNodeFactory().arrayNode();
            JsonToken element = parser.nextToken();
            if (element == JsonToken.START_OBJECT) {
                ObjectNode first = audits.addObject();
                for (String name = parser.nextFieldName(); name != null; name = parser.nextFieldName()) {
                    JsonToken token = parser.nextToken();
                    if (EventMetadata.AUDIT_ACCOUNT.equals(name)) {
                        first.set(name, value(parser, token));
                    } else {
                        parser.skipChildren();
                    }
                }
                element = parser.nextToken();
            } else if (element != JsonToken.END_ARRAY && element != null) {
                audits.add(value(parser, element));
                element = parser.nextToken();
            }
            while (element != JsonToken.END_ARRAY && element != null) {
                parser.skipChildren();
                element = parser.nextToken();
            }
            return audits;
        }

        /**
         * A score with a fraction as a double, which is all classification reads of it: parsed once from the text, where
         * an exact BigDecimal and then its double (PTA's scores have 17 digits) cost several times more. A value no
         * double holds stays the exact number the whole tree would have, for the reason that rejects it.
         */
        private JsonNode score(JsonParser parser) throws IOException {
            double score = parser.getDoubleValue();
            return Double.isFinite(score) ? json.getNodeFactory().numberNode(score)
                    : json.getNodeFactory().numberNode(parser.getDecimalValue());
        }

        /** The value at {@code token} as the node the whole tree would hold (the mapper's float and number settings). */
        private JsonNode value(JsonParser parser, JsonToken token) throws IOException {
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
                // objects and arrays (an account given as an object): within the event, so within max-event-size;
                // of an event too large, only its scalars name it
                default -> {
                    if (readingPrefix) {
                        parser.skipChildren();
                        yield nodes.nullNode();
                    }
                    yield json.readTree(parser);
                }
            };
        }

        @Override
        public void close() throws IOException {
            body.close();
        }
    }
}
