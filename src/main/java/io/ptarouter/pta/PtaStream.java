package io.ptarouter.pta;

import java.util.Arrays;

/** The two PTA feeds pta-router polls. The id is what users see in logs, file names and metadata. */
public enum PtaStream {
    SECURITY_EVENTS("security-events", "type"),
    RISK_EVENTS("risk-events", "riskType");

    private final String id;
    private final String typeField;

    PtaStream(String id, String typeField) {
        this.id = id;
        this.typeField = typeField;
    }

    public String id() {
        return id;
    }

    /** The field that holds the event's type: {@code type} for security events, {@code riskType} for risks. */
    public String typeField() {
        return typeField;
    }

    public static PtaStream byId(String id) {
        return Arrays.stream(values()).filter(s -> s.id.equals(id)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("unknown PTA stream '" + id + "'"));
    }
}
