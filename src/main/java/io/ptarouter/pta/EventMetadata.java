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
 * where delivery depends on it: an event without a usable id, type or time is rejected, and so is one
 * whose time or score cannot be true (a time before 2000 or after {@code latestMillis}, a score outside
 * 0..100): such a value would move the watermark past every real event, or route a detection as high.
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
    /** No PTA event is older: a smaller number is a time in seconds, or no time at all. */
    private static final long EARLIEST = Instant.parse("2000-01-01T00:00:00Z").toEpochMilli();
    /** How much of a rejected value a reason quotes: enough to recognise it, never a whole body. */
    private static final int MAX_QUOTED = 40;
    private static final Pattern NOT_FINITE = Pattern.compile("(?i)[+-]?(nan|inf|infinity)");

    public static final String SCORE = "score";
    /**
     * The members of a security event {@link #of} reads, besides {@link #AUDITS}: a reader may hand it only these
     * (with the same values and node types as the whole tree has; a {@link #SCORE} may be a double of the same value)
     * and skip the rest of the event.
     */
    public static final Set<String> SECURITY_EVENT_FIELDS = Set.of("id", PtaStream.SECURITY_EVENTS.typeField(), SCORE,
            "mStatus", "status", "lastUpdateTime", "createTime");
    /** Of a security event's audits, {@link #of} reads only the first one's {@link #AUDIT_ACCOUNT}. */
    public static final String AUDITS = "audits";
    public static final String AUDIT_ACCOUNT = "account";

    /**
     * @param latestMillis the latest event time accepted (epoch ms): now plus the clock skew allowed
     *                     between this host and the PVWA
     */
    public static EventMetadata of(PtaStream stream, JsonNode event, long latestMillis) {
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
            Long updated = millis(event, "lastUpdateTime", latestMillis);
            Long created = millis(event, "createTime", latestMillis);
            if (updated == null && created == null) {
                throw new InvalidEventException("field 'lastUpdateTime' (and 'createTime') is missing");
            }
            eventTime = updated != null ? updated : created;
            update = updated != null && created != null && updated > created;
        } else {
            Long updated = millis(event, "lastUpdateTime", latestMillis);
            Long detected = millis(event, "detectionTime", latestMillis);
            if (updated == null && detected == null) {
                throw new InvalidEventException("field 'detectionTime' is missing");
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
            // doubleValue, not a BigDecimal operation: cheap even for 1e999999 (Infinity, rejected below)
            return new ScoreValue(inRange(node, node.doubleValue()), null);
        }
        if (node.isTextual()) {
            String text = node.asText().strip();
            try {
                return new ScoreValue(inRange(node, new BigDecimal(text).doubleValue()), null);
            } catch (NumberFormatException e) {
                if (NOT_FINITE.matcher(text).matches()) {
                    throw new InvalidEventException("field 'score' is " + quote(node) + ", not a score from 0 to 100");
                }
                // fall through: reported below
            }
        }
        return new ScoreValue(null, "score is not a number (" + kind(node) + "), treated as missing");
    }

    /** A score PTA can send (0..100); anything else, Infinity and NaN too, would route the event by a wrong severity. */
    private static double inRange(JsonNode node, double score) {
        if (!(score >= 0 && score <= 100)) {
            throw new InvalidEventException("field 'score' is " + quote(node) + ", not a score from 0 to 100");
        }
        return score;
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
        if (hasControl(value)) {
            throw new InvalidEventException("field '" + field + "' contains control characters");
        }
        return value;
    }

    /**
     * The field as epoch ms, or null when it is absent; a value that is there but is no plausible event time
     * rejects the event, rather than be taken as absent or, past now, move the watermark beyond every real event.
     */
    private static Long millis(JsonNode event, String field, long latestMillis) {
        JsonNode node = event.get(field);
        if (node == null || node.isNull() || node.isTextual() && node.asText().isBlank()) {
            return null;
        }
        Long millis = epochMillis(node);
        if (millis == null) {
            throw new InvalidEventException("field '" + field + "' is " + quote(node)
                                            + ", not a time in epoch milliseconds or ISO-8601");
        }
        if (millis < EARLIEST) {
            throw new InvalidEventException("field '" + field + "' is " + quote(node) + " (" + Instant.ofEpochMilli(millis)
                                            + "), before 2000: not a PTA event time in epoch milliseconds");
        }
        if (millis > latestMillis) {
            throw new InvalidEventException("field '" + field + "' is " + quote(node) + " (" + Instant.ofEpochMilli(millis)
                                            + "), later than now plus the allowed clock skew ("
                                            + Instant.ofEpochMilli(latestMillis) + ", pta.delivery.max-clock-skew)");
        }
        return millis;
    }

    /** The value as epoch ms; null if it is not a time or out of the range of one. */
    private static Long epochMillis(JsonNode node) {
        if (node.isIntegralNumber()) {
            return node.canConvertToLong() ? node.longValue() : null;
        }
        if (node.isNumber()) {
            // doubleValue, cheap even for 1e999999; longValue of a BigDecimal would expand it to all its digits
            double value = node.doubleValue();
            return Double.isFinite(value) && Math.abs(value) < 0x1p62 ? (long) value : null;
        }
        if (node.isTextual()) {
            String text = node.asText().strip();
            try {
                return Long.parseLong(text);
            } catch (NumberFormatException e) {
                try {
                    return Instant.parse(text).toEpochMilli();
                } catch (RuntimeException notIso) {
                    return null; // not a time, or one too far out for epoch ms (ArithmeticException)
                }
            }
        }
        return null;
    }

    /** The value as a reason shows it: short, on one line, whatever PTA sent. */
    private static String quote(JsonNode node) {
        if (node.isContainerNode() || node.isBoolean()) {
            return "a " + kind(node);
        }
        String text = node.asText();
        if (text.length() > MAX_QUOTED) {
            text = text.substring(0, MAX_QUOTED) + "...";
        }
        if (hasControl(text)) {
            text = CONTROL.matcher(text).replaceAll("?");
        }
        return node.isTextual() ? "'" + text + "'" : text;
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
        if (hasControl(value)) {
            value = CONTROL.matcher(value).replaceAll(" ");
        }
        value = value.strip();
        if (value.isEmpty()) {
            return null;
        }
        return value.length() > MAX_TEXT ? value.substring(0, MAX_TEXT) : value;
    }

    /** A loop, not chars().anyMatch: this runs for several fields of every event. */
    private static boolean hasControl(String value) {
        for (int i = 0; i < value.length(); i++) {
            if (Character.isISOControl(value.charAt(i))) {
                return true;
            }
        }
        return false;
    }

    private static String kind(JsonNode node) {
        return node == null ? "absent" : node.getNodeType().toString().toLowerCase(Locale.ROOT);
    }
}
