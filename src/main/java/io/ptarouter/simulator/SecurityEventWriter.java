package io.ptarouter.simulator;

import com.fasterxml.jackson.core.JsonGenerator;
import io.ptarouter.simulator.SecurityEvent.Account;
import io.ptarouter.simulator.SecurityEvent.Audit;
import java.io.IOException;

/** Writes events in the field layout PTA uses, including its odd "m"-prefixed names. */
final class SecurityEventWriter {

    void write(JsonGenerator json, SecurityEvent event) throws IOException {
        json.writeStartObject();
        json.writeStringField("id", event.id());
        json.writeStringField("type", event.type());
        if (event.score() != null) {
            json.writeNumberField("score", event.score());
        }
        json.writeNumberField("createTime", event.createTime());
        json.writeNumberField("lastUpdateTime", event.lastUpdateTime());
        json.writeArrayFieldStart("audits");
        for (Audit audit : event.audits()) {
            writeAudit(json, audit, event.account());
        }
        json.writeEndArray();
        json.writeObjectFieldStart("additionalData");
        json.writeStringField("station", event.station());
        json.writeStringField("reason", event.reason());
        if (!event.matchPatterns().isEmpty()) {
            json.writeArrayFieldStart("matchPatterns");
            for (String pattern : event.matchPatterns()) {
                json.writeString(pattern);
            }
            json.writeEndArray();
        }
        json.writeNumberField("aggregation_count", event.aggregationCount());
        json.writeEndObject();
        json.writeStringField("mStatus", event.status());
        json.writeStringField("closeReason", event.closeReason());
        json.writeStringField("reasonText", event.reasonText());
        json.writeEndObject();
    }

    private void writeAudit(JsonGenerator json, Audit audit, Account account) throws IOException {
        json.writeStartObject();
        json.writeStringField("id", audit.id());
        json.writeStringField("type", audit.type());
        json.writeStringField("sensor", audit.sensor());
        json.writeStringField("action", audit.action());
        json.writeNumberField("createTime", audit.createTime());
        if (audit.vaultUser() != null) {
            json.writeStringField("vaultUser", audit.vaultUser());
        }
        json.writeObjectFieldStart("source");
        json.writeStringField("mOriginalAddress", audit.sourceAddress());
        json.writeObjectFieldStart("mResolvedAddress");
        json.writeStringField("mOriginalAddress", audit.sourceAddress());
        json.writeStringField("mAddress", audit.sourceAddress());
        json.writeStringField("mHostName", audit.sourceHost());
        json.writeStringField("mFqdn", audit.sourceHost() + "." + account.domain());
        json.writeEndObject();
        json.writeEndObject();
        json.writeObjectFieldStart("cloudData");
        json.writeEndObject();
        json.writeObjectFieldStart("account");
        json.writeObjectFieldStart("mTarget");
        json.writeStringField("mAddress", account.address());
        if (audit.withAccountName()) {
            json.writeStringField("mAccountName", account.userName());
        }
        json.writeEndObject();
        json.writeStringField("accountAsStr", account.asString());
        json.writeStringField("accountId", account.accountId());
        json.writeEndObject();
        if (audit.osUser() != null) {
            json.writeObjectFieldStart("user");
            json.writeStringField("mUserName", audit.osUser());
            json.writeEndObject();
        }
        if (audit.command() != null) {
            json.writeStringField("command", audit.command());
        }
        json.writeEndObject();
    }
}
