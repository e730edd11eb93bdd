package io.ptarouter.sink;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;

import io.ptarouter.pta.PtaJson;

/**
 * One PTA event as an OCSF Detection Finding (class 2004, schema {@value #SCHEMA_VERSION}): the
 * envelope's facts mapped to OCSF attributes (docs/bodies.md has the table), the PTA event kept
 * whole, as PTA sent it, in {@code unmapped}. Written with Jackson's streaming generator: no tree
 * per event, one pass.
 */
public final class OcsfRecords {

    public static final String SCHEMA_VERSION = "1.8.0";
    static final int CLASS_UID = 2004;
    static final int CATEGORY_UID = 2;
    private static final int CREATE = 1;
    private static final int UPDATE = 2;

    private final String ptaVersion;
    private final String eventLink;
    private final JsonFactory factory;
    private static final int MAX_TITLES = 1000;
    private static final Pattern DIGITS = Pattern.compile("-?\\d{1,18}");
    private final Map<String, String> titles = new ConcurrentHashMap<>();

    /** {@code eventLink}: the PVWA link to an event, {@code {id}} replaced by its id (empty: none). */
    public OcsfRecords(String ptaVersion, String eventLink) {
        this.ptaVersion = ptaVersion;
        this.eventLink = eventLink;
        // The project's mapper's factory: the same number and string writing as the envelope.
        this.factory = PtaJson.mapper().getFactory();
    }

    /** The Detection Finding of an envelope {@code {"metadata": {...}, "event": {...}}}. */
    public String format(JsonNode envelope) {
        JsonNode metadata = envelope.path("metadata");
        JsonNode event = envelope.path("event");
        StringWriter out = new StringWriter(1024);
        try (JsonGenerator g = factory.createGenerator(out)) {
            write(g, metadata, event);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the OCSF record: " + e.getMessage(), e);
        }
        return out.toString();
    }

    private void write(JsonGenerator g, JsonNode metadata, JsonNode event) throws IOException {
        boolean risk = event.hasNonNull("riskType");
        boolean update = metadata.path("update").asBoolean(false);
        int activity = update ? UPDATE : CREATE;
        String type = CefRecords.text(metadata.path("type"), risk ? event.path("riskType") : event.path("type"));
        String title = type == null ? "PTA detection" : title(type);
        String id = CefRecords.text(metadata.path("id"), event.path("id"));
        Long time = epochMillis(metadata.path("eventTime"));
        int severity = severityId(metadata.path("severity").asText(""));

        g.writeStartObject();
        g.writeNumberField("activity_id", activity);
        g.writeStringField("activity_name", update ? "Update" : "Create");
        g.writeNumberField("category_uid", CATEGORY_UID);
        g.writeStringField("category_name", "Findings");
        g.writeNumberField("class_uid", CLASS_UID);
        g.writeStringField("class_name", "Detection Finding");
        g.writeNumberField("type_uid", CLASS_UID * 100L + activity);
        g.writeStringField("type_name", "Detection Finding: " + (update ? "Update" : "Create"));
        g.writeNumberField("severity_id", severity);
        g.writeStringField("severity", SEVERITIES[severity == 0 ? 0 : severity - 1]);
        // An event without a readable time was rejected before any sink: this is a fallback only.
        g.writeNumberField("time", time != null ? time : System.currentTimeMillis());
        g.writeStringField("message", title);
        g.writeBooleanField("is_alert", true);
        status(g, CefRecords.text(metadata.path("status"), event.path("mStatus"), event.path("status")));
        Double score = metadata.path("score").isNumber() ? metadata.path("score").asDouble() : null;
        if (score != null && Double.isFinite(score)) {
            g.writeNumberField("risk_score", Math.round(score));
        }

        g.writeObjectFieldStart("metadata");
        g.writeStringField("version", SCHEMA_VERSION);
        g.writeObjectFieldStart("product");
        g.writeStringField("name", "PTA");
        g.writeStringField("vendor_name", "CyberArk");
        g.writeStringField("version", ptaVersion);
        g.writeEndObject();
        string(g, "log_name", CefRecords.text(metadata.path("stream")));
        string(g, "event_code", type);
        // The version's delivery key: what the file sink reads back after a crash, and a unique id per record.
        if (metadata.path("stream").isTextual() && id != null && metadata.has("version")) {
            g.writeStringField("uid", metadata.path("stream").asText() + "/" + id + "/" + metadata.path("version").asText());
        }
        g.writeEndObject();

        g.writeObjectFieldStart("finding_info");
        g.writeStringField("uid", id == null ? "" : id);
        g.writeStringField("title", title);
        if (type != null) {
            g.writeArrayFieldStart("types");
            g.writeString(type);
            g.writeEndArray();
        }
        timestamp(g, "created_time", epochMillis(event.path(risk ? "detectionTime" : "createTime")));
        Long modified = epochMillis(event.path("lastUpdateTime"));
        timestamp(g, "modified_time", modified != null ? modified : time);
        if (!eventLink.isEmpty() && id != null) {
            g.writeStringField("src_url", eventLink.replace("{id}", id));
        }
        g.writeEndObject();

        CefRecords.Parties parties = CefRecords.Parties.of(event);
        String targetIp = CefRecords.ipOrNull(parties.targetHost());
        String targetName = targetIp == null ? parties.targetHost() : null;
        if (parties.targetHost() != null) {
            // The affected host; PTA does not say what kind of device it is.
            g.writeObjectFieldStart("device");
            g.writeNumberField("type_id", 0);
            g.writeStringField("type", "Unknown");
            string(g, "hostname", targetName);
            string(g, "ip", targetIp);
            g.writeEndObject();
        }
        evidence(g, parties, targetName, targetIp);

        if (!event.isMissingNode()) {
            g.writeFieldName("unmapped");
            g.writeTree(event);
        }
        g.writeEndObject();
    }

    /** The type as PTA names it, kept for the few types there are: the name's regular expressions cost more than the rest. */
    private String title(String type) {
        String title = titles.get(type);
        if (title == null) {
            title = CefRecords.eventName(type);
            if (titles.size() < MAX_TITLES) { // an open set of types, but not an unbounded one: beyond that, not kept
                titles.put(type, title);
            }
        }
        return title;
    }

    /** One evidence: who acted from where (the first audit) on which account and host, as PTA's syslog reports them. */
    private static void evidence(JsonGenerator g, CefRecords.Parties parties, String targetName, String targetIp)
            throws IOException {
        String sourceIp = CefRecords.ipOrNull(parties.sourceAddress());
        String sourceName = parties.sourceHost() != null ? parties.sourceHost() : sourceIp == null ? parties.sourceAddress() : null;
        boolean actor = parties.sourceUser() != null;
        boolean source = sourceName != null || sourceIp != null;
        boolean target = targetName != null || targetIp != null;
        boolean user = parties.targetUser() != null;
        if (!actor && !source && !target && !user) {
            return; // OCSF wants at least one of them in an evidence
        }
        g.writeArrayFieldStart("evidences");
        g.writeStartObject();
        if (actor) {
            g.writeObjectFieldStart("actor");
            g.writeObjectFieldStart("user");
            g.writeStringField("name", parties.sourceUser());
            g.writeEndObject();
            g.writeEndObject();
        }
        if (source) {
            endpoint(g, "src_endpoint", sourceName, sourceIp);
        }
        if (target) {
            endpoint(g, "dst_endpoint", targetName, targetIp);
        }
        if (user) {
            g.writeObjectFieldStart("user");
            g.writeStringField("name", parties.targetUser());
            g.writeEndObject();
        }
        g.writeEndObject();
        g.writeEndArray();
    }

    private static void endpoint(JsonGenerator g, String name, String hostname, String ip) throws IOException {
        g.writeObjectFieldStart(name);
        string(g, "hostname", hostname);
        string(g, "ip", ip);
        g.writeEndObject();
    }

    private static final String[] SEVERITIES = {"Unknown", "Low", "Medium", "High"};

    /** The router's score bands: low 2, medium 3, high 4; a band OCSF has no name for (no score): 0, Unknown. */
    static int severityId(String band) {
        return switch (band) {
            case "low" -> 2;
            case "medium" -> 3;
            case "high" -> 4;
            default -> 0;
        };
    }

    /** PTA's OPEN is a new finding, CLOSED a resolved one; another status is Other, named as PTA names it. */
    private static void status(JsonGenerator g, String status) throws IOException {
        if (status == null) {
            g.writeNumberField("status_id", 0);
            g.writeStringField("status", "Unknown");
        } else if (status.equalsIgnoreCase("OPEN")) {
            g.writeNumberField("status_id", 1);
            g.writeStringField("status", "New");
        } else if (status.equalsIgnoreCase("CLOSED")) {
            g.writeNumberField("status_id", 4);
            g.writeStringField("status", "Resolved");
        } else {
            g.writeNumberField("status_id", 99);
            g.writeStringField("status", status);
        }
    }

    private static void string(JsonGenerator g, String name, String value) throws IOException {
        if (value != null) {
            g.writeStringField(name, value);
        }
    }

    private static void timestamp(JsonGenerator g, String name, Long millis) throws IOException {
        if (millis != null) {
            g.writeNumberField(name, millis);
        }
    }

    /** Epoch ms from a number, a string of digits or an ISO-8601 instant; null for anything else. */
    static Long epochMillis(JsonNode node) {
        if (node.isIntegralNumber() || node.isFloatingPointNumber() && Double.isFinite(node.asDouble())) {
            return node.asLong();
        }
        if (node.isTextual()) {
            String text = node.asText().strip();
            if (DIGITS.matcher(text).matches()) {
                return Long.parseLong(text);
            }
            try {
                return Instant.parse(text).toEpochMilli();
            } catch (DateTimeParseException e) {
                return null;
            }
        }
        return null;
    }
}
