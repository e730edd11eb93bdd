package io.ptarouter.testing;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * A Splunk HTTP Event Collector on loopback that checks what Splunk checks and answers as Splunk
 * does ({"text", "code"} bodies): the {@code Splunk <token>} authorization (401 code 2 or 3, 403 code
 * 4), a body of concatenated JSON objects each with a non-empty "event" and a numeric "time" if any
 * (400 code 6, 12, 13), and, with indexer acknowledgement on, the channel header (400 code 10), an
 * ackId per request and {@code /services/collector/ack}. Acknowledgements can be held back, and the
 * collector made busy (503 code 9) for a number of requests.
 */
public final class FakeSplunkHec implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern GUID = Pattern.compile("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");

    private final HttpServer server;
    private final String token;
    private final AtomicBoolean ackEnabled = new AtomicBoolean(true);
    private final AtomicBoolean acksGranted = new AtomicBoolean(true);
    private final AtomicInteger busyFor = new AtomicInteger();
    private final AtomicLong nextAckId = new AtomicLong();
    private final AtomicInteger ackQueries = new AtomicInteger();
    /** Every event the collector took, in order. */
    private final List<JsonNode> events = new CopyOnWriteArrayList<>();
    /** Every refusal, as "status code text". */
    private final List<String> refusals = new CopyOnWriteArrayList<>();
    private final Map<Long, List<JsonNode>> unacknowledged = new ConcurrentHashMap<>();
    private final List<JsonNode> acknowledged = new CopyOnWriteArrayList<>();

    public FakeSplunkHec(String token) throws IOException {
        this.token = token;
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/services/collector/event", this::event);
        server.createContext("/services/collector/ack", this::ack);
        server.start();
    }

    public URI eventUrl() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/services/collector/event");
    }

    public void reset() {
        ackEnabled.set(true);
        acksGranted.set(true);
        busyFor.set(0);
        ackQueries.set(0);
        events.clear();
        refusals.clear();
        unacknowledged.clear();
        acknowledged.clear();
    }

    public void ackEnabled(boolean enabled) {
        ackEnabled.set(enabled);
    }

    public void grantAcks(boolean granted) {
        acksGranted.set(granted);
    }

    public void busyFor(int requests) {
        busyFor.set(requests);
    }

    public List<JsonNode> events() {
        return List.copyOf(events);
    }

    public List<JsonNode> acknowledged() {
        return List.copyOf(acknowledged);
    }

    public List<String> refusals() {
        return List.copyOf(refusals);
    }

    public int ackQueries() {
        return ackQueries.get();
    }

    private void event(HttpExchange exchange) throws IOException {
        try (exchange) {
            if (!authorized(exchange)) {
                return;
            }
            if (busyFor.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                answer(exchange, 503, 9, "Server is busy");
                return;
            }
            String channel = exchange.getRequestHeaders().getFirst("X-Splunk-Request-Channel");
            if (ackEnabled.get() && !channelOk(exchange, channel)) {
                return;
            }
            List<JsonNode> received = new ArrayList<>();
            try (InputStream body = exchange.getRequestBody();
                 MappingIterator<JsonNode> objects = JSON.readerFor(JsonNode.class).readValues(
                         JSON.getFactory().createParser(body).enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION))) {
                int n = 0;
                while (objects.hasNext()) {
                    JsonNode event = objects.next();
                    if (!event.isObject()) {
                        answer(exchange, 400, 6, "Invalid data format");
                        return;
                    }
                    if (!event.has("event")) {
                        answer(exchange, 400, 12, "Event field is required", n);
                        return;
                    }
                    JsonNode value = event.get("event");
                    if (value.isNull() || value.isTextual() && value.asText().isBlank() || value.isContainerNode() && value.isEmpty()) {
                        answer(exchange, 400, 13, "Event field cannot be blank", n);
                        return;
                    }
                    if (event.has("time") && !event.get("time").isNumber()) {
                        answer(exchange, 400, 6, "Invalid data format", n);
                        return;
                    }
                    received.add(event);
                    n++;
                }
            } catch (IOException | RuntimeException e) {
                answer(exchange, 400, 6, "Invalid data format");
                return;
            }
            if (received.isEmpty()) {
                answer(exchange, 400, 5, "No data");
                return;
            }
            events.addAll(received);
            ObjectNode success = JSON.createObjectNode().put("text", "Success").put("code", 0);
            if (ackEnabled.get()) {
                long ackId = nextAckId.getAndIncrement();
                unacknowledged.put(ackId, received);
                success.put("ackId", ackId);
            } else {
                acknowledged.addAll(received);
            }
            send(exchange, 200, success.toString());
        }
    }

    private void ack(HttpExchange exchange) throws IOException {
        try (exchange) {
            if (!authorized(exchange)) {
                return;
            }
            if (!ackEnabled.get()) {
                answer(exchange, 400, 14, "ACK is disabled");
                return;
            }
            String query = exchange.getRequestURI().getQuery();
            String channel = exchange.getRequestHeaders().getFirst("X-Splunk-Request-Channel");
            if (channel == null && query != null && query.startsWith("channel=")) {
                channel = query.substring("channel=".length());
            }
            if (!channelOk(exchange, channel)) {
                return;
            }
            ackQueries.incrementAndGet();
            JsonNode asked;
            try (InputStream body = exchange.getRequestBody()) {
                asked = JSON.readTree(body).path("acks");
            } catch (IOException e) {
                answer(exchange, 400, 6, "Invalid data format");
                return;
            }
            if (!asked.isArray()) {
                answer(exchange, 400, 6, "Invalid data format");
                return;
            }
            ObjectNode acks = JSON.createObjectNode();
            ObjectNode status = acks.putObject("acks");
            for (JsonNode id : asked) {
                boolean granted = acksGranted.get() && unacknowledged.containsKey(id.asLong());
                if (granted) {
                    acknowledged.addAll(unacknowledged.remove(id.asLong()));
                }
                status.put(id.asText(), granted);
            }
            send(exchange, 200, acks.toString());
        }
    }

    private boolean authorized(HttpExchange exchange) throws IOException {
        String authorization = exchange.getRequestHeaders().getFirst("Authorization");
        if (authorization == null) {
            answer(exchange, 401, 2, "Token is required");
            return false;
        }
        if (!authorization.startsWith("Splunk ")) {
            answer(exchange, 401, 3, "Invalid authorization");
            return false;
        }
        if (!authorization.substring("Splunk ".length()).equals(token)) {
            answer(exchange, 403, 4, "Invalid token");
            return false;
        }
        return true;
    }

    private boolean channelOk(HttpExchange exchange, String channel) throws IOException {
        if (channel == null || channel.isBlank()) {
            answer(exchange, 400, 10, "Data channel is missing");
            return false;
        }
        if (!GUID.matcher(channel).matches()) {
            answer(exchange, 400, 11, "Invalid data channel");
            return false;
        }
        return true;
    }

    private void answer(HttpExchange exchange, int status, int code, String text) throws IOException {
        answer(exchange, status, code, text, -1);
    }

    private void answer(HttpExchange exchange, int status, int code, String text, int invalidEvent) throws IOException {
        refusals.add(status + " " + code + " " + text);
        ObjectNode body = JSON.createObjectNode().put("text", text).put("code", code);
        if (invalidEvent >= 0) {
            body.put("invalid-event-number", invalidEvent);
        }
        send(exchange, status, body.toString());
    }

    private static void send(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json; charset=UTF-8");
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
