package io.ptarouter.update;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

import org.apache.camel.Exchange;
import org.apache.camel.ExchangeExtension;
import org.apache.camel.Message;
import org.apache.camel.http.base.HttpOperationFailedException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The steps of the Kamelet {@code pta-event-update-sink}: checks a request to close or re-open an event, turns it
 * into PTA's PATCH, and turns what came back (PTA's answer, PTA's refusal, a refusal of the request, a failure to
 * reach PTA) into the answer for the requester, with the header {@link #STATUS}, and one log line.
 * <p>
 * The request, a JSON object: {@code stream} (security-events, the default, or risk-events), {@code id},
 * {@code status} (OPEN or CLOSED), optional {@code closeReason} (HANDLED, NOTREAL, OTHER or NONE), {@code reasonText}
 * (at most 100 characters) and {@code requestedBy} (who asks, for the log). Hand-written rather than a JSON schema
 * check: camel-json-validator is not among the bundle's dependencies, and each refusal names the field and the rule.
 */
public final class EventUpdates {

    /** Header on the answer: the HTTP status PTA answered, or 400 (refused here) or 502 (PTA not reached). */
    public static final String STATUS = "ptaUpdateStatus";
    /** Exchange property the channel sets: who asks, for the log line (http and the address, jms and the message id). */
    public static final String REQUESTER = "ptaUpdateRequester";
    /** Exchange property the Kamelet sets from its closeReason parameter. */
    public static final String SEND_CLOSE_REASON = "ptaUpdateSendCloseReason";

    static final String SECURITY_EVENTS = "security-events";
    static final String RISK_EVENTS = "risk-events";

    private static final Logger LOG = LoggerFactory.getLogger(EventUpdates.class);
    private static final String REQUEST = "ptaUpdateRequest";
    private static final Pattern SECURITY_EVENT_ID = Pattern.compile("[0-9a-fA-F]{24}");
    /** PTA documents no format for risk ids: anything that is one safe path segment. */
    private static final Pattern RISK_EVENT_ID = Pattern.compile("[0-9A-Za-z_-]{1,64}");
    private static final Set<String> STATUSES = Set.of("OPEN", "CLOSED");
    private static final Set<String> CLOSE_REASONS = Set.of("HANDLED", "NOTREAL", "OTHER", "NONE");
    private static final Set<String> FIELDS = Set.of("stream", "id", "status", "closeReason", "reasonText", "requestedBy");
    private static final int MAX_REASON_TEXT = 100;
    private static final int MAX_REQUEST = 16 * 1024;
    /** PTA answers a PATCH with the one event: more than this is not an answer to pass on. */
    private static final int MAX_ANSWER = 1 << 20;

    private final ObjectMapper mapper;

    public EventUpdates(ObjectMapper mapper) {
        this.mapper = mapper;
    }

    /** What was asked, once it passed the checks. */
    record Request(String stream, String id, String status, String closeReason, String reasonText, String requestedBy) {
    }

    /** Checks the request and makes PTA's PATCH of it: the path in CamelHttpPath, PTA's JSON in the body. */
    public void prepare(Exchange exchange) throws IOException {
        Request request = parse(exchange.getMessage().getBody());
        boolean sendReason = exchange.getProperty(SEND_CLOSE_REASON, true, Boolean.class);
        if (!sendReason && (request.closeReason() != null || request.reasonText() != null)) {
            throw new InvalidUpdateException("closeReason and reasonText are sent only to PTA 14.0 and later, and "
                    + "pta.updates.close-reason is false: send status alone");
        }
        exchange.setProperty(REQUEST, request);
        ObjectNode patch = mapper.createObjectNode();
        patch.put(request.stream().equals(SECURITY_EVENTS) ? "mStatus" : "status", request.status());
        if (request.closeReason() != null) {
            patch.put("closeReason", request.closeReason());
        }
        if (request.reasonText() != null) {
            patch.put("reasonText", request.reasonText());
        }
        Message message = exchange.getMessage();
        message.setHeader(Exchange.HTTP_PATH, (request.stream().equals(SECURITY_EVENTS) ? "/Events/" : "/Risks/RisksEvents/")
                + request.id());
        message.setBody(mapper.writeValueAsString(patch));
    }

    /** PTA accepted: its answer (the event as it is now) goes back with its status. */
    public void answered(Exchange exchange) throws IOException {
        Message message = exchange.getMessage();
        int status = message.getHeader(Exchange.HTTP_RESPONSE_CODE, 200, Integer.class);
        String body = bounded(message.getBody(InputStream.class));
        answer(exchange, status, body.isBlank() ? "{}" : body);
    }

    /** Refused here: 400 with what is wrong, in PTA's error shape. */
    public void refused(Exchange exchange) {
        Exception cause = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Exception.class);
        answer(exchange, 400, error("PTAR001E", cause == null ? "invalid request" : cause.getMessage()));
        clearFailureMarks(exchange);
    }

    /** PTA refused (400, 404, ...) or stayed unavailable through the retries: its status and its error go back. */
    public void ptaRefused(Exchange exchange) {
        HttpOperationFailedException refusal = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, HttpOperationFailedException.class);
        int status = refusal.getStatusCode();
        if (status == 401 || status == 403) {
            // After one new logon: pta-router's session, not the requester's credentials; a 401 would say the latter.
            answer(exchange, 502, error("PTAR003E", "PTA refused pta-router's session (" + status
                    + ") after a new logon: check the vault user's permissions on PTA"));
        } else if (status < 400) {
            answer(exchange, 502, error("PTAR002E", "PTA answered " + status + " (a redirect, not followed)"));
        } else {
            answer(exchange, status, jsonObjectOr(refusal.getResponseBody(), "PTA answered " + status));
        }
        clearFailureMarks(exchange);
    }

    /** PTA could not be reached or answered nothing usable: 502, with what happened (never the URL or token). */
    public void ptaFailed(Exchange exchange) {
        Exception cause = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Exception.class);
        answer(exchange, 502, error("PTAR002E", "PTA could not be reached: "
                + (cause == null ? "unknown failure" : cause.getClass().getSimpleName()
                + (cause.getMessage() == null ? "" : " (" + LogText.quote(cause.getMessage()) + ")"))));
        clearFailureMarks(exchange);
    }

    /** One line per request: who asked, what, and what came of it. */
    public void log(Exchange exchange) {
        Request request = exchange.getProperty(REQUEST, Request.class);
        int status = exchange.getMessage().getHeader(STATUS, 0, Integer.class);
        String who = exchange.getProperty(REQUESTER, "a Kamelet caller", String.class)
                + (request == null || request.requestedBy() == null ? "" : " for " + LogText.quote(request.requestedBy()));
        String outcome = outcome(exchange, status);
        if (request == null) {
            LOG.warn("event update from {} refused: {}", who, outcome);
            return;
        }
        String what = request.stream() + " " + request.id() + " to " + request.status()
                + (request.closeReason() == null ? "" : " (" + request.closeReason() + ")")
                + (request.reasonText() == null ? "" : " reasonText " + LogText.quote(request.reasonText()));
        if (status >= 200 && status < 300) {
            LOG.info("event update from {}: {}: PTA answered {}", who, what, status);
        } else {
            LOG.warn("event update from {}: {}: {}", who, what, outcome);
        }
    }

    private String outcome(Exchange exchange, int status) {
        try {
            JsonNode answer = mapper.readTree(exchange.getMessage().getBody(String.class));
            String message = answer.path("ErrorMessage").asText("");
            return status + (message.isEmpty() ? "" : " " + LogText.quote(message));
        } catch (IOException | RuntimeException e) {
            return Integer.toString(status);
        }
    }

    Request parse(Object body) throws IOException {
        JsonNode node = toJson(body);
        for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!FIELDS.contains(name)) {
                throw new InvalidUpdateException("unknown field " + LogText.quote(name) + ": expected " + FIELDS.stream().sorted().toList());
            }
        }
        String stream = text(node, "stream", SECURITY_EVENTS);
        if (!stream.equals(SECURITY_EVENTS) && !stream.equals(RISK_EVENTS)) {
            throw new InvalidUpdateException("stream " + LogText.quote(stream) + " is neither " + SECURITY_EVENTS
                    + " nor " + RISK_EVENTS);
        }
        String id = text(node, "id", null);
        if (id == null) {
            throw new InvalidUpdateException("id is required");
        }
        boolean security = stream.equals(SECURITY_EVENTS);
        if (!(security ? SECURITY_EVENT_ID : RISK_EVENT_ID).matcher(id).matches()) {
            throw new InvalidUpdateException("id " + LogText.quote(id) + (security
                    ? " is not a security event id (24 hexadecimal characters)"
                    : " is not a risk event id (1 to 64 letters, digits, '-' or '_')"));
        }
        String status = text(node, "status", null);
        if (status == null) {
            throw new InvalidUpdateException("status is required: OPEN or CLOSED");
        }
        status = oneOf("status", status, STATUSES);
        String closeReason = text(node, "closeReason", null);
        if (closeReason != null) {
            closeReason = oneOf("closeReason", closeReason, CLOSE_REASONS);
        }
        String reasonText = text(node, "reasonText", null);
        if (reasonText != null) {
            checkLine("reasonText", reasonText);
            if (reasonText.length() > MAX_REASON_TEXT) {
                throw new InvalidUpdateException("reasonText is " + reasonText.length() + " characters long, PTA takes at most "
                        + MAX_REASON_TEXT);
            }
        }
        String requestedBy = text(node, "requestedBy", null);
        if (requestedBy != null) {
            checkLine("requestedBy", requestedBy);
            if (requestedBy.length() > MAX_REASON_TEXT) {
                throw new InvalidUpdateException("requestedBy is longer than " + MAX_REASON_TEXT + " characters");
            }
        }
        return new Request(stream, security ? id.toLowerCase(Locale.ROOT) : id, status, closeReason, reasonText, requestedBy);
    }

    private JsonNode toJson(Object body) throws IOException {
        if (body instanceof Map<?, ?> map) {
            return mapper.valueToTree(map);
        }
        String text = body == null ? null
                : body instanceof String s ? s
                : body instanceof byte[] bytes ? new String(bytes, StandardCharsets.UTF_8)
                : body instanceof InputStream in ? bounded(in)
                : body.toString();
        if (text == null || text.isBlank()) {
            throw new InvalidUpdateException("the request is empty: expected a JSON object with id and status");
        }
        if (text.length() > MAX_REQUEST) {
            throw new InvalidUpdateException("the request is larger than " + MAX_REQUEST / 1024 + " KB");
        }
        JsonNode node;
        try {
            node = mapper.readTree(text);
        } catch (IOException e) {
            throw new InvalidUpdateException("the request is not valid JSON");
        }
        if (node == null || !node.isObject()) {
            throw new InvalidUpdateException("the request must be a JSON object with id and status");
        }
        return node;
    }

    private static String text(JsonNode node, String field, String fallback) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            return fallback;
        }
        if (!value.isTextual()) {
            throw new InvalidUpdateException(field + " must be a string");
        }
        return value.asText();
    }

    private static String oneOf(String field, String value, Set<String> allowed) {
        String upper = value.toUpperCase(Locale.ROOT);
        if (!allowed.contains(upper)) {
            throw new InvalidUpdateException("unknown " + field + " " + LogText.quote(value) + ": expected one of "
                    + allowed.stream().sorted().toList());
        }
        return upper;
    }

    /** A reason is one line of text: PTA shows it as such, and a log line must stay one line. */
    private static void checkLine(String field, String value) {
        if (value.chars().anyMatch(c -> Character.isISOControl(c) || c == '\u2028' || c == '\u2029')) {
            throw new InvalidUpdateException(field + " must not contain control characters (line breaks, tabs, ...)");
        }
    }

    private String error(String code, String message) {
        ObjectNode error = mapper.createObjectNode();
        error.put("ErrorCode", code);
        error.put("ErrorMessage", message);
        return error.toString();
    }

    /** PTA's body when it is a JSON object (its {ErrorCode, ErrorMessage}), else an error saying what PTA answered. */
    private String jsonObjectOr(String body, String otherwise) {
        if (body != null && body.length() <= MAX_ANSWER) {
            try {
                JsonNode node = mapper.readTree(body);
                if (node != null && node.isObject()) {
                    return node.toString();
                }
            } catch (IOException notJson) {
                // said below
            }
        }
        return error("PTAR002E", otherwise + " without a JSON error body");
    }

    private static void answer(Exchange exchange, int status, String json) {
        Message message = exchange.getMessage();
        message.setHeader(STATUS, status);
        message.setHeader(Exchange.CONTENT_TYPE, "application/json");
        message.setBody(json);
    }

    private static String bounded(InputStream in) throws IOException {
        if (in == null) {
            return "";
        }
        try (in) {
            byte[] bytes = in.readNBytes(MAX_ANSWER + 1);
            if (bytes.length > MAX_ANSWER) {
                throw new IOException("the answer is larger than " + MAX_ANSWER / 1024 + " KB");
            }
            return new String(bytes, StandardCharsets.UTF_8);
        }
    }

    /** An error handler that gave up left its marks; the answer made of the failure is a normal reply. */
    private static void clearFailureMarks(Exchange exchange) {
        ExchangeExtension marks = exchange.getExchangeExtension();
        marks.setFailureHandled(false);
        marks.setErrorHandlerHandled(null);
        marks.setRedeliveryExhausted(false);
        exchange.removeProperty(io.ptarouter.pta.TransientFailures.GAVE_UP);
    }
}
