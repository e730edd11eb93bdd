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
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Reads the security events answer, a bare JSON array that can hold hundreds of thousands of
 * events, one element at a time: the array is never held in memory. A truncated or malformed
 * answer surfaces as {@link MalformedResponseException} from the iterator, which fails the poll
 * without moving the watermark. Each event comes with its text as PTA sent it ({@link PtaEvent}),
 * taken from the bytes the parser read.
 */
public final class SecurityEventReader {

    private final ObjectMapper json = PtaJson.mapper();

    public Iterator<PtaEvent> read(Exchange exchange) throws IOException {
        InputStream body = exchange.getMessage().getBody(InputStream.class);
        if (body == null) {
            return java.util.Collections.emptyIterator();
        }
        CapturingInputStream captured = new CapturingInputStream(body);
        return new Events(json, json.createParser(captured), captured);
    }

    private static final class Events implements Iterator<PtaEvent>, Closeable {

        private final ObjectMapper json;
        private final JsonParser parser;
        private final CapturingInputStream captured;
        private long count;
        private PtaEvent next;
        private boolean done;

        Events(ObjectMapper json, JsonParser parser, CapturingInputStream captured) throws IOException {
            this.json = json;
            this.parser = parser;
            this.captured = captured;
            JsonToken first = nextToken();
            if (first == null) {
                done = true; // an empty body: no events
                close();
            } else if (first != JsonToken.START_ARRAY) {
                String detail = first == JsonToken.START_OBJECT ? describeObject() : "a " + first;
                close();
                throw new MalformedResponseException("PTA security events answer is not a JSON array but " + detail);
            }
        }

        @Override
        public boolean hasNext() {
            if (next == null && !done) {
                advance();
            }
            return next != null;
        }

        @Override
        public PtaEvent next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
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
                } else {
                    // Byte offsets, where the parser reads UTF-8 bytes (-1 where it decoded another encoding).
                    long start = parser.currentTokenLocation().getByteOffset();
                    JsonNode tree = json.readTree(parser);
                    long end = parser.currentLocation().getByteOffset();
                    String text = start < 0 || end < 0 ? null : captured.text(start, end);
                    captured.release(end);
                    next = new PtaEvent(tree, text == null || text.indexOf('\n') >= 0 || text.indexOf('\r') >= 0 ? null : text);
                    count++;
                }
            } catch (JsonProcessingException e) {
                throw malformed(e.getOriginalMessage(), e);
            } catch (IOException e) {
                throw malformed("reading the answer failed: " + e.getMessage(), e);
            }
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
            JsonLocation at = parser.currentLocation();
            done = true;
            next = null;
            try {
                close();
            } catch (IOException ignored) {
                // the answer is already broken; the parse error is what matters
            }
            return new MalformedResponseException("PTA security events answer is malformed at line " + at.getLineNr()
                    + ", column " + at.getColumnNr() + " after " + count + " events: " + problem, cause);
        }

        @Override
        public void close() throws IOException {
            parser.close();
        }
    }
}
