package io.ptarouter.pta;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * What routing needs from one PTA event, read leniently where PTA versions differ (numbers sent as
 * strings, {@code status} or {@code mStatus}, {@code account} or {@code riskAccount}) and strictly
 * where delivery depends on it: an event without a usable id, type or time is rejected.
 *
 * @param score   {@code null} when the event has no score or one that is not a number
 * @param version the event time that changes when PTA updates the event in place
 */
public record EventMetadata(PtaStream stream, String id, String type, Double score, String status,
                            long eventTimeMillis, long version, boolean update, String account,
                            String scoreProblem) {

    private static final int MAX_ID = 128;
    private static final int MAX_TYPE = 128;
    private static final int MAX_TEXT = 256;
    /** Compiled once: String.replaceAll would compile it again for every field of every event. */
    private static final Pattern CONTROL = Pattern.compile("\\p{Cntrl}");

    /**
     * The members of a security event {@link #of} reads, besides {@link #AUDITS}: a reader may hand it only these
     * (with the same values and node types as the whole tree has) and skip the rest of the event.
     */
    public static final Set<String> SECURITY_EVENT_FIELDS = Set.of("id", PtaStream.SECURITY_EVENTS.typeField(), "score",
            "mStatus", "status", "lastUpdateTime", "createTime");
    /** Of a security event's audits, {@link #of} reads only the first one's {@link #AUDIT_ACCOUNT}. */
    public static final String AUDITS = "audits";
    public static final String AUDIT_ACCOUNT = "account";

    public static EventMetadata of(PtaStream stream, JsonNode event) {
        if (event == null || !event.isObject()) {
            throw new InvalidEventException("the event is not a JSON object but " + kind(event));
        }
        String id = requiredText(event, "id", MAX_ID);
        String type = requiredText(event, stream.typeField(), MAX_TYPE);
        ScoreValue score = score(event.get("score"));
        String status = text(firstPresent(event, "mStatus", "status"));
        long eventTime;
        boolean update;
        if (stream == PtaStream.SECURITY_EVENTS) {
            Long updated = millis(event, "lastUpdateTime");
            Long created = millis(event, "createTime");
            if (updated == null && created == null) {
                throw new InvalidEventException("field 'lastUpdateTime' (and 'createTime') is missing or not a time");
            }
            eventTime = updated != null ? updated : created;
            update = updated != null && created != null && updated > created;
        } else {
            Long updated = millis(event, "lastUpdateTime");
            Long detected = millis(event, "detectionTime");
            if (updated == null && detected == null) {
                throw new InvalidEventException("field 'detectionTime' is missing or not a time");
            }
            eventTime = updated != null ? updated : detected;
            update = updated != null && detected != null && updated > detected;
        }
        return new EventMetadata(stream, id, type, score.value(), status == null ? "" : status.toUpperCase(Locale.ROOT),
                eventTime, eventTime, update, account(stream, event), score.problem());
    }

    public Instant eventTime() {
        return Instant.ofEpochMilli(eventTimeMillis);
    }

    /** Identifies this version of this event: a later update of the same id has another key. */
    public String deliveryKey() {
        return stream.id() + "/" + id + "/" + version;
    }

    private record ScoreValue(Double value, String problem) {
    }

    private static ScoreValue score(JsonNode node) {
        if (node == null || node.isNull()) {
            return new ScoreValue(null, null);
        }
        if (node.isNumber()) {
            return new ScoreValue(node.doubleValue(), null);
        }
        if (node.isTextual()) {
            try {
                double parsed = new BigDecimal(node.asText().strip()).doubleValue();
                return new ScoreValue(parsed, null);
            } catch (NumberFormatException e) {
                // fall through: reported below
            }
        }
        return new ScoreValue(null, "score is not a number (" + kind(node) + "), treated as missing");
    }

    private static String requiredText(JsonNode event, String field, int maxLength) {
        JsonNode node = event.get(field);
        if (node == null || node.isNull()) {
            throw new InvalidEventException("field '" + field + "' is missing");
        }
        if (!node.isTextual() && !node.isIntegralNumber()) {
            throw new InvalidEventException("field '" + field + "' is " + kind(node) + ", not a string");
        }
        String value = node.asText();
        if (value.isBlank()) {
            throw new InvalidEventException("field '" + field + "' is empty");
        }
        if (value.length() > maxLength) {
            throw new InvalidEventException("field '" + field + "' is " + value.length() + " characters long (at most "
                                            + maxLength + ")");
        }
        // These values reach mail subjects, HTTP and JMS headers: control characters are never legitimate.
        if (value.chars().anyMatch(Character::isISOControl)) {
            throw new InvalidEventException("field '" + field + "' contains control characters");
        }
        return value;
    }

    private static Long millis(JsonNode event, String field) {
        JsonNode node = event.get(field);
        if (node == null || node.isNull()) {
            return null;
        }
        if (node.isIntegralNumber()) {
            return node.longValue();
        }
        if (node.isNumber()) {
            return (long) node.doubleValue();
        }
        if (node.isTextual()) {
            String text = node.asText().strip();
            try {
                return Long.parseLong(text);
            } catch (NumberFormatException e) {
                try {
                    return Instant.parse(text).toEpochMilli();
                } catch (RuntimeException notIso) {
                    return null;
                }
            }
        }
        return null;
    }

    private static JsonNode firstPresent(JsonNode event, String... fields) {
        for (String field : fields) {
            JsonNode node = event.get(field);
            if (node != null && !node.isNull()) {
                return node;
            }
        }
        return null;
    }

    /** The account the event is about, for people reading a subject line; absent is fine. */
    private static String account(PtaStream stream, JsonNode event) {
        JsonNode account = stream == PtaStream.SECURITY_EVENTS
                ? event.path(AUDITS).path(0).path(AUDIT_ACCOUNT)
                : firstPresent(event, "account", "riskAccount");
        if (account == null || account.isMissingNode() || account.isNull()) {
            return null;
        }
        if (account.isObject()) {
            account = firstPresent(account, "accountAsStr", "name", "accountName", "userName", "samAccountName");
        }
        return text(account);
    }

    /** A short single-line text, or null. */
    private static String text(JsonNode node) {
        if (node == null || node.isNull() || node.isContainerNode()) {
            return null;
        }
        String value = node.asText();
        // The matcher only when there is something to replace: most values have no control character,
        // and a matcher per field of every event was the poll's largest allocation.
        if (value.chars().anyMatch(Character::isISOControl)) {
            value = CONTROL.matcher(value).replaceAll(" ");
        }
        value = value.strip();
        if (value.isEmpty()) {
            return null;
        }
        return value.length() > MAX_TEXT ? value.substring(0, MAX_TEXT) : value;
    }

    private static String kind(JsonNode node) {
        return node == null ? "absent" : node.getNodeType().toString().toLowerCase(Locale.ROOT);
    }
}
