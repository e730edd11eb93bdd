package io.ptarouter.pta;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * One event of a PTA answer as the reader splits it: its parsed tree, for classification, and its
 * JSON text exactly as PTA sent it, which the envelope carries without writing the tree out again.
 * {@code text} is null where it cannot be passed on as it is (a line break between its tokens
 * would split an NDJSON line); the envelope then holds the tree, written out.
 */
public record PtaEvent(JsonNode tree, String text) {

    @Override
    public String toString() {
        return text != null ? text : tree.toString();
    }
}
