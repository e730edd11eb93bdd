package io.ptarouter.reliability;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;

/** Reads the envelope every sink receives ({@code {"metadata":{"stream","id","version",...},"event":{...}}}). */
final class Envelopes {

    /** Strict: a torn NDJSON line glued to the next one must not parse as the first of the two. */
    private static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private Envelopes() {
    }

    /** The delivery key {@code <stream>/<id>/<version>} of an envelope, or empty if it is not one. */
    static Optional<String> deliveryKey(String envelope) {
        try {
            JsonNode metadata = JSON.readTree(envelope).path("metadata");
            JsonNode stream = metadata.path("stream");
            JsonNode id = metadata.path("id");
            JsonNode version = metadata.path("version");
            if (!stream.isTextual() || !id.isTextual() || !version.isIntegralNumber()) {
                return Optional.empty();
            }
            return Optional.of(key(stream.asText(), id.asText(), version.asLong()));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    static String key(String stream, String id, long version) {
        return stream + "/" + id + "/" + version;
    }

    /** The Message-ID pta-router gives the mail of a version: the same for every attempt, so a re-send is recognised. */
    static String messageId(String deliveryKey) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256")
                    .digest((deliveryKey + "/email").getBytes(StandardCharsets.UTF_8));
            return "<" + HexFormat.of().formatHex(digest) + "@pta-router>";
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }
}
