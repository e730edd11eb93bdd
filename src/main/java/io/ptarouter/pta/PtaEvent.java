package io.ptarouter.pta;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * One event of a PTA answer as a reader splits it: what classification reads, and the event's JSON
 * text exactly as PTA sent it, which the envelope carries without writing a tree out again.
 *
 * @param fields where {@code text} is kept, only the members {@link EventMetadata} reads (the
 *               security events reader skips the rest of the event without building it); otherwise
 *               the whole event
 * @param text   the event as PTA sent it, on one line; null where it cannot be passed on as it is
 *               (a line break between its tokens would split an NDJSON line), and then the envelope
 *               holds {@code fields}, the whole event, written out
 * @param problem why the event cannot be routed though it was read (it is too large, or over a
 *                limit of its parts), or null; {@code fields} then holds what of those members could be
 *                read, and {@code text}, where kept, the event as it came, which no parser may read again
 */
public record PtaEvent(JsonNode fields, String text, String problem) {

    public PtaEvent(JsonNode fields, String text) {
        this(fields, text, null);
    }

    /** The whole event, for the rare paths that need all of it (a rejected event): its text parsed again. */
    public JsonNode tree(ObjectMapper json) throws JsonProcessingException {
        return text == null || problem != null ? fields : json.readTree(text);
    }

    @Override
    public String toString() {
        return text != null ? text : fields.toString();
    }
}
