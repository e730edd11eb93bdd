package io.ptarouter.testing;

import java.util.List;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** Builds PTA event JSON for tests, in the shape of PTA-API.md. */
public final class Events {

    private static final ObjectMapper JSON = new ObjectMapper();

    private Events() {
    }

    /** A security event; {@code score} null leaves the field out. */
    public static ObjectNode security(String id, String type, Double score, long lastUpdateTime) {
        ObjectNode event = JSON.createObjectNode()
                .put("id", id)
                .put("type", type);
        if (score != null) {
            event.put("score", score);
        }
        event.put("createTime", lastUpdateTime)
                .put("lastUpdateTime", lastUpdateTime)
                .put("mStatus", "OPEN");
        event.putArray("audits").addObject()
                .put("id", "a-" + id)
                .put("type", "WINDOWS_LOGON")
                .putObject("account").put("accountAsStr", "admin@srv-db-07");
        event.putObject("additionalData").put("aggregation_count", 1);
        return event;
    }

    public static ObjectNode risk(String id, String riskType, double score, long detectionTime) {
        ObjectNode risk = JSON.createObjectNode()
                .put("id", id)
                .put("riskType", riskType)
                .put("status", "OPEN")
                .put("detectionTime", detectionTime)
                .put("score", score);
        risk.putObject("account").put("name", "svc-sql");
        return risk;
    }

    public static String array(List<? extends com.fasterxml.jackson.databind.JsonNode> events) {
        ArrayNode array = JSON.createArrayNode();
        events.forEach(array::add);
        return array.toString();
    }

    public static String array(com.fasterxml.jackson.databind.JsonNode... events) {
        return array(List.of(events));
    }

    /** A 24-hex-character id, as PTA uses, made from a number. */
    public static String id(int n) {
        return String.format("%024x", n);
    }
}
