package io.ptarouter.auth;

import java.io.IOException;

import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.HttpResponse;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.ptarouter.transport.Redirects;

/** Reads the error bodies a PVWA or identity tenant answers with, for one-line error messages. */
final class PvwaResponses {

    private static final int MAX_MESSAGE = 300;

    private PvwaResponses() {
    }

    /** "403 PASWS013E Authentication failure for User [x]." or "500 (no error body)". */
    static String describe(ObjectMapper json, int status, String body) {
        String detail = "";
        try {
            JsonNode error = body == null || body.isBlank() ? null : json.readTree(body);
            if (error != null && error.isObject()) {
                String code = text(error, "ErrorCode", "error");
                String message = text(error, "ErrorMessage", "error_description");
                detail = (code + " " + message).trim();
            }
        } catch (IOException e) {
            // not JSON: fall through to the generic description
        }
        if (detail.isEmpty()) {
            detail = "(no error body)";
        }
        return status + " " + oneLine(detail);
    }

    static boolean isRedirect(int status) {
        return Redirects.isRedirect(status);
    }

    /** "answered 307, a redirect to host other.example:8443, which pta-router does not follow ...". */
    static String redirect(HttpResponse response, String key) {
        Header location = response.getFirstHeader("Location");
        return "answered " + response.getCode() + ", a redirect to " + Redirects.target(location == null ? null : location.getValue())
               + ", which pta-router does not follow (the credentials or the token would go with it); set " + key
               + " to the address that answers itself";
    }

    private static String text(JsonNode node, String name, String alternative) {
        JsonNode value = node.hasNonNull(name) ? node.get(name) : node.get(alternative);
        return value == null || value.isNull() ? "" : value.asText();
    }

    /** Error text comes from the server: keep it to one bounded line. */
    static String oneLine(String text) {
        String flat = text.replaceAll("[\\r\\n\\t]+", " ").strip();
        return flat.length() > MAX_MESSAGE ? flat.substring(0, MAX_MESSAGE) + "..." : flat;
    }
}
