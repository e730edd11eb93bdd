package io.ptarouter.simulator;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/** One request to the simulated PVWA, with the reading and answering every endpoint needs. */
final class ApiExchange {

    /** Writes one JSON document to a generator. */
    @FunctionalInterface
    interface JsonBody {
        void writeTo(JsonGenerator json) throws IOException;
    }

    private static final int MAX_REQUEST_BODY = 64 * 1024;
    private static final String JSON = "application/json; charset=utf-8";

    private final HttpExchange exchange;
    private final ObjectMapper mapper;
    private final String path;
    private final String rawQuery;

    ApiExchange(HttpExchange exchange, ObjectMapper mapper) {
        this.exchange = exchange;
        this.mapper = mapper;
        URI uri = exchange.getRequestURI();
        String decoded = uri.getPath() == null ? "/" : uri.getPath();
        this.path = decoded.length() > 1 && decoded.endsWith("/") ? decoded.substring(0, decoded.length() - 1) : decoded;
        this.rawQuery = uri.getRawQuery();
    }

    String method() {
        return exchange.getRequestMethod().toUpperCase(Locale.ROOT);
    }

    /** The decoded path without a trailing slash, in the caller's spelling. */
    String path() {
        return path;
    }

    /** A query parameter by name; names match case-insensitively, as on IIS. */
    String query(String name) {
        return parseQuery(rawQuery).get(name);
    }

    String header(String name) {
        String value = exchange.getRequestHeaders().getFirst(name);
        return value == null ? null : value.trim();
    }

    JsonNode jsonBody() {
        byte[] body;
        try (InputStream in = exchange.getRequestBody()) {
            body = in.readNBytes(MAX_REQUEST_BODY + 1);
        } catch (IOException e) {
            throw ApiError.invalidParameter("the request body could not be read");
        }
        if (body.length > MAX_REQUEST_BODY) {
            throw ApiError.invalidParameter("the request body is too large");
        }
        try {
            JsonNode node = mapper.readTree(body);
            if (node == null || !node.isObject()) {
                throw ApiError.invalidParameter("the request body must be a JSON object");
            }
            return node;
        } catch (IOException e) {
            throw ApiError.invalidParameter("the request body is not valid JSON");
        }
    }

    /** Answers a small document with a known length. */
    void send(int status, JsonBody body) throws IOException {
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        try (JsonGenerator json = mapper.getFactory().createGenerator(buffer)) {
            body.writeTo(json);
        }
        byte[] bytes = buffer.toByteArray();
        exchange.getResponseHeaders().set("Content-Type", JSON);
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
    }

    /** Answers 200 with a chunked body written while it is generated, so a huge answer never sits in memory. */
    void stream(JsonBody body) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", JSON);
        exchange.sendResponseHeaders(200, 0);
        try (JsonGenerator json = mapper.getFactory().createGenerator(exchange.getResponseBody())) {
            body.writeTo(json);
        }
    }

    void sendError(ApiError error) throws IOException {
        send(error.status(), json -> {
            json.writeStartObject();
            json.writeStringField("ErrorCode", error.code());
            json.writeStringField("ErrorMessage", error.getMessage());
            json.writeEndObject();
        });
    }

    private static Map<String, String> parseQuery(String rawQuery) {
        Map<String, String> parameters = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        if (rawQuery == null || rawQuery.isEmpty()) {
            return parameters;
        }
        for (String pair : rawQuery.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int equals = pair.indexOf('=');
            String name = decode(equals < 0 ? pair : pair.substring(0, equals));
            String value = equals < 0 ? "" : decode(pair.substring(equals + 1));
            parameters.putIfAbsent(name, value);
        }
        return parameters;
    }

    private static String decode(String raw) {
        try {
            return URLDecoder.decode(raw, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException malformed) {
            throw ApiError.invalidParameter("malformed query string");
        }
    }
}
