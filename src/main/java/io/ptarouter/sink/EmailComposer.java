package io.ptarouter.sink;

import static io.ptarouter.sink.MessageTemplate.escapeHtml;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;

import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.component.mail.MailConstants;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.ptarouter.pta.PollTracker;
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

    /** Camel's count of attempts stays: without it a mail that keeps failing would be retried forever. */
    private static final String REDELIVERY_HEADERS = "CamelRedeliver*";

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
        message.removeHeaders("*", REDELIVERY_HEADERS);
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
        values.put("score", score(message));
        values.put("severity", header(message, EventClassifier.SEVERITY));
        values.put("status", header(message, EventClassifier.STATUS));
        values.put("eventTime", header(message, EventClassifier.EVENT_TIME));
        values.put("account", account(message));
        values.put("update", Boolean.TRUE.equals(message.getHeader(EventClassifier.UPDATE)) ? "updated" : "new");
        JsonNode envelope = json.readTree(message.getBody(String.class));
        values.put("event", json.writerWithDefaultPrettyPrinter().writeValueAsString(envelope.path("event")));
        return values;
    }

    /**
     * A digest mail: one line per event (type, score, account, time, id), every value HTML-escaped
     * in the HTML part as in the single mails, and a Message-ID derived from the events' keys.
     */
    public void composeDigest(Exchange exchange) {
        Message message = exchange.getMessage();
        EmailDigest digest = exchange.getProperty(EmailDigest.PROPERTY, EmailDigest.class);
        List<EmailDigest.Event> events = digest.events();
        String streams = String.join(", ", events.stream().map(EmailDigest.Event::stream).distinct().sorted().toList());
        message.removeHeaders("*", REDELIVERY_HEADERS);
        message.setHeader("From", from);
        message.setHeader("To", String.join(", ", to));
        message.setHeader("Subject", oneLine("[PTA digest] " + events.size() + " more events from " + streams));
        message.setHeader("Message-ID", digest.messageId());
        StringBuilder text = new StringBuilder(events.size() * 120 + 256)
                .append("CyberArk PTA reported ").append(events.size()).append(" more events in this poll than ")
                .append("pta-router mails one by one. Each line: event time, type, score, account, event id.\n\n");
        StringBuilder html = new StringBuilder(events.size() * 200 + 512).append("""
                <!DOCTYPE html>
                <html>
                <body style="font-family: sans-serif; font-size: 14px;">
                <h2>PTA digest: %d more events</h2>
                <table cellpadding="4" style="border-collapse: collapse;">
                  <tr><th align="left">Event time</th><th align="left">Type</th><th align="left">Score</th>\
                <th align="left">Account</th><th align="left">Event id</th></tr>
                """.formatted(events.size()));
        for (EmailDigest.Event event : events) {
            text.append(event.eventTime()).append("  ").append(oneLine(event.type())).append("  score ").append(event.score())
                    .append("  ").append(oneLine(event.account())).append("  id ").append(oneLine(event.id())).append('\n');
            html.append("  <tr><td>").append(escapeHtml(event.eventTime())).append("</td><td>").append(escapeHtml(event.type()))
                    .append("</td><td>").append(escapeHtml(event.score())).append("</td><td>").append(escapeHtml(event.account()))
                    .append("</td><td><code>").append(escapeHtml(event.id())).append("</code></td></tr>\n");
        }
        text.append("\n-- \nSent by pta-router.\n");
        html.append("</table>\n<p style=\"color: #888;\">Sent by pta-router.</p>\n</body>\n</html>\n");
        message.setHeader(MailConstants.MAIL_ALTERNATIVE_BODY, text.toString());
        message.setBody(html.toString());
    }

    /** What a digest lists of the event this message carries. */
    static EmailDigest.Event digestEvent(Exchange exchange) {
        Message message = exchange.getMessage();
        return new EmailDigest.Event(exchange.getProperty(EventClassifier.DELIVERY_KEY, String.class),
                header(message, EventClassifier.STREAM), header(message, EventClassifier.ID),
                header(message, EventClassifier.TYPE), score(message), account(message),
                header(message, EventClassifier.EVENT_TIME), exchange.getProperty(PollTracker.ENVELOPE, String.class));
    }

    /** {@code <hex SHA-256 of "<deliveryKey>/email">@pta-router>}: stable, and free of event data. */
    public static String messageId(String deliveryKey) {
        return stableId(deliveryKey + "/email");
    }

    /** {@code <hex SHA-256 of text@pta-router>}. */
    static String stableId(String text) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
            return "<" + HexFormat.of().formatHex(digest) + "@pta-router>";
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    private static String score(Message message) {
        Object score = message.getHeader(EventClassifier.SCORE);
        return score == null ? "no score" : String.format(Locale.ROOT, "%.1f", (Double) score);
    }

    private static String account(Message message) {
        String account = header(message, EventClassifier.ACCOUNT);
        return account.isEmpty() ? "unknown account" : account;
    }

    private static String header(Message message, String name) {
        Object value = message.getHeader(name);
        return value == null ? "" : value.toString();
    }

    private static String oneLine(String value) {
        return value.replaceAll("[\\r\\n\\t\\p{Cntrl}]+", " ").strip();
    }
}
