package io.ptarouter.sink;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;

import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.component.mail.MailConstants;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.ptarouter.pta.PtaJson;
import io.ptarouter.routing.EventClassifier;

/**
 * Turns an event message into an alert mail: a subject that says what happened, an HTML body and
 * a plain-text alternative, from templates the user can edit. Every header is removed first
 * (camel-mail lets headers named To, From, Subject... override the endpoint), and the subject is
 * kept on one line so event data can never add a mail header.
 */
public final class EmailComposer {

    /** The placeholders templates may use. */
    public static final Set<String> PLACEHOLDERS = Set.of(
            "stream", "id", "type", "score", "severity", "status", "eventTime", "account", "update", "event");

    private final String from;
    private final List<String> to;
    private final MessageTemplate subject;
    private final MessageTemplate text;
    private final MessageTemplate html;
    private final ObjectMapper json = PtaJson.mapper();

    public EmailComposer(String from, List<String> to, MessageTemplate subject, MessageTemplate text, MessageTemplate html) {
        this.from = from;
        this.to = List.copyOf(to);
        this.subject = subject;
        this.text = text;
        this.html = html;
    }

    public void compose(Exchange exchange) throws JsonProcessingException {
        Message message = exchange.getMessage();
        Map<String, String> values = values(message);
        message.removeHeaders("*");
        message.setHeader("From", from);
        message.setHeader("To", String.join(", ", to));
        message.setHeader("Subject", oneLine(subject.render(values, UnaryOperator.identity())));
        // The same event version always has the same Message-ID: a mail sent again after a crash is recognisable.
        message.setHeader("Message-ID", messageId(exchange.getProperty(EventClassifier.DELIVERY_KEY, String.class)));
        message.setHeader(MailConstants.MAIL_ALTERNATIVE_BODY, text.render(values, UnaryOperator.identity()));
        message.setBody(html.render(values, MessageTemplate::escapeHtml));
    }

    private Map<String, String> values(Message message) throws JsonProcessingException {
        Map<String, String> values = new HashMap<>();
        values.put("stream", header(message, EventClassifier.STREAM));
        values.put("id", header(message, EventClassifier.ID));
        values.put("type", header(message, EventClassifier.TYPE));
        Object score = message.getHeader(EventClassifier.SCORE);
        values.put("score", score == null ? "no score" : String.format(java.util.Locale.ROOT, "%.1f", (Double) score));
        values.put("severity", header(message, EventClassifier.SEVERITY));
        values.put("status", header(message, EventClassifier.STATUS));
        values.put("eventTime", header(message, EventClassifier.EVENT_TIME));
        String account = header(message, EventClassifier.ACCOUNT);
        values.put("account", account.isEmpty() ? "unknown account" : account);
        values.put("update", Boolean.TRUE.equals(message.getHeader(EventClassifier.UPDATE)) ? "updated" : "new");
        JsonNode envelope = json.readTree(message.getBody(String.class));
        values.put("event", json.writerWithDefaultPrettyPrinter().writeValueAsString(envelope.path("event")));
        return values;
    }

    /** {@code <hex SHA-256 of "<deliveryKey>/email">@pta-router>}: stable, and free of event data. */
    public static String messageId(String deliveryKey) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest((deliveryKey + "/email").getBytes(StandardCharsets.UTF_8));
            return "<" + HexFormat.of().formatHex(digest) + "@pta-router>";
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    private static String header(Message message, String name) {
        Object value = message.getHeader(name);
        return value == null ? "" : value.toString();
    }

    private static String oneLine(String value) {
        return value.replaceAll("[\\r\\n\\t\\p{Cntrl}]+", " ").strip();
    }
}
