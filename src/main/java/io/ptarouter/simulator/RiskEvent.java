package io.ptarouter.simulator;

import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;

/** One PTA risk event (from PTA 13.2). Immutable: a status change produces a new instance. */
record RiskEvent(
        String id,
        String riskType,
        String status,
        long detectionTime,
        float score,
        String accountId,
        String accountName,
        String domain,
        String serviceName,
        String serviceHost,
        String closeReason,
        String reasonText) {

    RiskEvent withStatus(String newStatus, String newCloseReason, String newReasonText) {
        return new RiskEvent(id, riskType, newStatus, detectionTime, score, accountId, accountName, domain,
                serviceName, serviceHost, newCloseReason, newReasonText);
    }

    void write(JsonGenerator json) throws IOException {
        json.writeStartObject();
        json.writeStringField("id", id);
        json.writeStringField("riskType", riskType);
        json.writeStringField("status", status);
        json.writeNumberField("detectionTime", detectionTime);
        json.writeNumberField("score", score);
        json.writeObjectFieldStart("account");
        json.writeStringField("accountId", accountId);
        json.writeStringField("accountName", accountName);
        json.writeStringField("domain", domain);
        json.writeStringField("accountAsStr", accountName + "@" + domain);
        json.writeBooleanField("privileged", true);
        json.writeEndObject();
        json.writeObjectFieldStart("service");
        json.writeStringField("serviceName", serviceName);
        json.writeStringField("host", serviceHost);
        json.writeEndObject();
        json.writeStringField("closeReason", closeReason);
        json.writeStringField("reasonText", reasonText);
        json.writeEndObject();
    }
}
