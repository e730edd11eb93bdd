package io.ptarouter.sink;

import java.util.LinkedHashMap;
import java.util.Map;

import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.apache.camel.Message;

import io.ptarouter.config.InvalidConfigurationException;
import io.ptarouter.routing.EventClassifier;

/**
 * Shapes the webhook POST: only the headers we mean to send (content type, the configured extra
 * headers such as an auth token, and {@code X-Pta-*} metadata), so nothing from PTA's answer or
 * Camel's internals reaches the receiver.
 */
public final class WebhookRequest implements Processor {

    private static final Map<String, String> METADATA = Map.of(
            EventClassifier.STREAM, "X-Pta-Stream",
            EventClassifier.ID, "X-Pta-Event-Id",
            EventClassifier.TYPE, "X-Pta-Event-Type",
            EventClassifier.SEVERITY, "X-Pta-Severity",
            EventClassifier.SCORE, "X-Pta-Score");

    private final Map<String, String> extraHeaders;

    public WebhookRequest(Map<String, String> extraHeaders) {
        this.extraHeaders = Map.copyOf(extraHeaders);
    }

    /** Parses {@code Name: value; Other: value}; a malformed entry names the key and the entry, never a value. */
    public static Map<String, String> parseHeaders(String key, String spec) {
        Map<String, String> headers = new LinkedHashMap<>();
        if (spec == null || spec.isBlank()) {
            return headers;
        }
        int n = 0;
        for (String entry : spec.split(";")) {
            n++;
            if (entry.isBlank()) {
                continue;
            }
            int colon = entry.indexOf(':');
            String name = colon < 0 ? "" : entry.substring(0, colon).strip();
            if (colon < 0 || !name.matches("[A-Za-z0-9!#$%&'*+.^_`|~-]+")) {
                throw new InvalidConfigurationException(key, "entry " + n + " is not 'Header-Name: value'");
            }
            String value = entry.substring(colon + 1).strip();
            if (value.chars().anyMatch(c -> c == '\r' || c == '\n')) {
                throw new InvalidConfigurationException(key, "the value of header '" + name + "' contains a line break");
            }
            headers.put(name, value);
        }
        return headers;
    }

    /** Routes call {@link #prepare} as a processor: directly, without a bean method call's reflection. */
    @Override
    public void process(Exchange exchange) {
        prepare(exchange);
    }

    public void prepare(Exchange exchange) {
        Message message = exchange.getMessage();
        Map<String, Object> metadata = new LinkedHashMap<>();
        METADATA.forEach((header, httpHeader) -> {
            Object value = message.getHeader(header);
            if (value != null) {
                metadata.put(httpHeader, value.toString());
            }
        });
        message.removeHeaders("*");
        message.setHeader(Exchange.CONTENT_TYPE, "application/json; charset=UTF-8");
        metadata.forEach(message::setHeader);
        extraHeaders.forEach(message::setHeader);
        // Stable per event version: a receiver that honours it ignores a call sent again after a crash.
        message.setHeader("Idempotency-Key", exchange.getProperty(EventClassifier.DELIVERY_KEY, String.class) + "/webhook");
    }
}
