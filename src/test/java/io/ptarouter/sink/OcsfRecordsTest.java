package io.ptarouter.sink;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.junit.jupiter.api.Test;

import io.ptarouter.testing.Events;
import io.ptarouter.testing.OcsfSchema;

/** The OCSF Detection Finding of an event, checked against the OCSF schema's own files, and what it maps. */
class OcsfRecordsTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final OcsfSchema SCHEMA = new OcsfSchema();
    private static final String CLASS = "findings/detection_finding";
    private static final long TIME = 1_700_000_000_123L;

    private final OcsfRecords records = new OcsfRecords("14.2", "https://pvwa.example/PasswordVault/v10/pta/events?id={id}");

    @Test
    void aSecurityEventIsAValidDetectionFindingWithItsAuditsAsEvidence() throws Exception {
        ObjectNode event = Events.security(Events.id(1), "SuspectedCredentialsTheft", 91.5, TIME);
        event.put("createTime", TIME - 60_000);
        ObjectNode audit = (ObjectNode) event.path("audits").path(0);
        audit.put("vaultUser", "mike@corp.example");
        audit.putObject("source").put("mOriginalAddress", "192.0.2.10").putObject("mResolvedAddress").put("mFqdn", "ws-17.corp.example");
        ((ObjectNode) audit.path("account")).putObject("mTarget").put("mAddress", "198.51.100.7");

        JsonNode record = ocsf(envelope("security-events", event, "high", "OPEN", false));

        assertThat(SCHEMA.check(CLASS, record)).isEmpty();
        assertThat(SCHEMA.version()).isEqualTo(OcsfRecords.SCHEMA_VERSION);
        assertThat(record.path("class_uid").asInt()).isEqualTo(2004);
        assertThat(record.path("activity_id").asInt()).isEqualTo(1);
        assertThat(record.path("type_uid").asLong()).isEqualTo(200401);
        assertThat(record.path("severity_id").asInt()).isEqualTo(4);
        assertThat(record.path("time").asLong()).isEqualTo(TIME);
        assertThat(record.path("risk_score").asInt()).isEqualTo(92);
        assertThat(record.path("status_id").asInt()).isEqualTo(1);
        assertThat(record.at("/metadata/product/version").asText()).isEqualTo("14.2");
        assertThat(record.at("/metadata/uid").asText()).isEqualTo("security-events/" + Events.id(1) + "/" + TIME);
        assertThat(record.at("/finding_info/uid").asText()).isEqualTo(Events.id(1));
        assertThat(record.at("/finding_info/title").asText()).isEqualTo("Suspected credentials theft");
        assertThat(record.at("/finding_info/types/0").asText()).isEqualTo("SuspectedCredentialsTheft");
        assertThat(record.at("/finding_info/created_time").asLong()).isEqualTo(TIME - 60_000);
        assertThat(record.at("/finding_info/modified_time").asLong()).isEqualTo(TIME);
        assertThat(record.at("/finding_info/src_url").asText()).endsWith("?id=" + Events.id(1));
        JsonNode evidence = record.at("/evidences/0");
        assertThat(evidence.at("/actor/user/name").asText()).isEqualTo("mike@corp.example");
        assertThat(evidence.at("/src_endpoint/ip").asText()).isEqualTo("192.0.2.10");
        assertThat(evidence.at("/src_endpoint/hostname").asText()).isEqualTo("ws-17.corp.example");
        assertThat(evidence.at("/dst_endpoint/ip").asText()).isEqualTo("198.51.100.7");
        assertThat(evidence.at("/user/name").asText()).isEqualTo("admin@srv-db-07");
        assertThat(record.at("/device/ip").asText()).isEqualTo("198.51.100.7");
        assertThat(record.path("unmapped")).isEqualTo(event);
    }

    @Test
    void anUpdateIsAnUpdateActivityAndAClosedEventAResolvedFinding() throws Exception {
        ObjectNode event = Events.security(Events.id(2), "VaultViaIrregularIp", 40.0, TIME);
        event.put("mStatus", "CLOSED");

        JsonNode record = ocsf(envelope("security-events", event, "medium", "CLOSED", true));

        assertThat(SCHEMA.check(CLASS, record)).isEmpty();
        assertThat(record.path("activity_id").asInt()).isEqualTo(2);
        assertThat(record.path("type_uid").asLong()).isEqualTo(200402);
        assertThat(record.path("type_name").asText()).isEqualTo("Detection Finding: Update");
        assertThat(record.path("status").asText()).isEqualTo("Resolved");
        assertThat(record.path("severity").asText()).isEqualTo("Medium");
    }

    @Test
    void aRiskEventIsAValidDetectionFindingAboutItsAccountAndService() throws Exception {
        ObjectNode risk = Events.risk(Events.id(3), "RISK_RISKY_SPN", 30.0, TIME);
        risk.putObject("service").put("host", "sql-07.corp.example").put("spn", "MSSQLSvc/sql-07");

        JsonNode record = ocsf(envelope("risk-events", risk, "low", "OPEN", false));

        assertThat(SCHEMA.check(CLASS, record)).isEmpty();
        assertThat(record.at("/finding_info/title").asText()).isEqualTo("Risky SPN");
        assertThat(record.at("/finding_info/created_time").asLong()).isEqualTo(TIME);
        assertThat(record.at("/evidences/0/user/name").asText()).isEqualTo("svc-sql");
        assertThat(record.at("/evidences/0/dst_endpoint/hostname").asText()).isEqualTo("sql-07.corp.example");
        assertThat(record.at("/device/hostname").asText()).isEqualTo("sql-07.corp.example");
        assertThat(record.at("/evidences/0/actor").isMissingNode()).isTrue();
        assertThat(record.path("severity_id").asInt()).isEqualTo(2);
    }

    @Test
    void anEventWithLittleInItOrOddValuesIsStillValid() throws Exception {
        ObjectNode bare = JSON.createObjectNode().put("id", Events.id(4)).put("type", "Odd|Type\nname")
                .put("lastUpdateTime", TIME);
        ObjectNode odd = Events.security(Events.id(5), "PSMSuspiciousActivity", null, TIME);
        ObjectNode audit = (ObjectNode) odd.path("audits").path(0);
        audit.putObject("source").put("mOriginalAddress", "not an address");
        audit.put("target", "999.1.1.1");
        ObjectNode pending = Events.security(Events.id(6), "PSMSuspiciousActivity", 5.0, TIME);
        pending.put("mStatus", "PENDING");

        for (JsonNode record : List.of(ocsf(envelope("security-events", bare, "unknown", null, false)),
                ocsf(envelope("security-events", odd, "unknown", "OPEN", false)),
                ocsf(envelope("security-events", pending, "low", "PENDING", false)))) {
            assertThat(SCHEMA.check(CLASS, record)).as(record.toString()).isEmpty();
        }
        JsonNode oddRecord = ocsf(envelope("security-events", odd, "unknown", "OPEN", false));
        assertThat(oddRecord.path("severity_id").asInt()).isZero();
        assertThat(oddRecord.has("risk_score")).isFalse();
        assertThat(oddRecord.at("/evidences/0/src_endpoint/hostname").asText()).isEqualTo("not an address");
        assertThat(oddRecord.at("/evidences/0/dst_endpoint/hostname").asText()).isEqualTo("999.1.1.1");
    }

    /** The schema check is not a rubber stamp: what OCSF does not allow, it names. */
    @Test
    void theSchemaCheckNamesWhatABrokenRecordGetsWrong() throws Exception {
        ObjectNode record = (ObjectNode) ocsf(envelope("security-events",
                Events.security(Events.id(7), "SuspectedCredentialsTheft", 91.0, TIME), "high", "OPEN", false));
        ((ObjectNode) record.path("finding_info")).remove("uid");
        record.put("severity_id", 7).put("type_uid", 200403).put("pta_score", 91).put("time", "yesterday");
        ((ObjectNode) record.path("metadata").path("product")).put("vendor_name", 42);
        record.putObject("device").put("type_id", 0).put("ip", "sql-07");
        ((ObjectNode) record.path("evidences").path(0)).removeAll();
        record.put("status", "Closed");

        assertThat(SCHEMA.check(CLASS, record)).containsExactlyInAnyOrder(
                "time: \"yesterday\" is not a timestamp_t",
                "severity_id: 7 is not one of [0, 1, 2, 3, 4, 5, 6, 99]",
                "status: expected 'New', the caption of status_id 1",
                "metadata.product.vendor_name: 42 is not a string_t",
                "finding_info.uid: required, missing",
                "device.ip: 'sql-07' does not match the ip_t pattern",
                "evidences[0]: at_least_one of [\"actor\",\"api\",\"connection_info\",\"data\",\"database\",\"databucket\","
                + "\"device\",\"dst_endpoint\",\"email\",\"file\",\"process\",\"query\",\"resources\",\"src_endpoint\",\"url\","
                + "\"user\",\"job\",\"script\"], has 0",
                "pta_score: not an attribute of detection_finding",
                "type_uid: expected 200401");
    }

    private JsonNode ocsf(JsonNode envelope) throws Exception {
        return JSON.readTree(records.format(envelope));
    }

    /** The envelope as the classifier writes it. */
    private static JsonNode envelope(String stream, JsonNode event, String severity, String status, boolean update) {
        ObjectNode envelope = JSON.createObjectNode();
        ObjectNode metadata = envelope.putObject("metadata").put("stream", stream).put("id", event.path("id").asText())
                .put("type", event.path(event.has("riskType") ? "riskType" : "type").asText());
        if (event.path("score").isNumber()) {
            metadata.put("score", event.path("score").asDouble());
        } else {
            metadata.putNull("score");
        }
        long time = event.path(event.has("riskType") ? "detectionTime" : "lastUpdateTime").asLong();
        metadata.put("severity", severity).put("status", status)
                .put("eventTime", java.time.Instant.ofEpochMilli(time).toString())
                .put("version", time).put("update", update);
        envelope.set("event", event);
        return envelope;
    }
}
