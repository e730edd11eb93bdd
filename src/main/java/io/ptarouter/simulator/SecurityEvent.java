package io.ptarouter.simulator;

import java.util.ArrayList;
import java.util.List;

/**
 * One PTA security event as the simulator holds it. Immutable: a change produces a new instance, so a
 * snapshot handed to a request being served never changes under it.
 */
record SecurityEvent(
        String id,
        String type,
        Double score,
        long createTime,
        long lastUpdateTime,
        String status,
        String closeReason,
        String reasonText,
        Account account,
        String station,
        String reason,
        List<String> matchPatterns,
        int aggregationCount,
        List<Audit> audits) {

    static final String OPEN = "OPEN";
    static final String CLOSED = "CLOSED";

    /** PTA keeps a bounded audit list per event while aggregation_count keeps counting. */
    static final int MAX_AUDITS = 20;

    SecurityEvent {
        matchPatterns = List.copyOf(matchPatterns);
        audits = List.copyOf(audits);
    }

    boolean isOpen() {
        return OPEN.equals(status);
    }

    /** The event after PTA aggregated one more audit into it. */
    SecurityEvent withAudit(Audit audit) {
        List<Audit> kept = new ArrayList<>(audits);
        kept.add(audit);
        if (kept.size() > MAX_AUDITS) {
            kept = kept.subList(kept.size() - MAX_AUDITS, kept.size());
        }
        return new SecurityEvent(id, type, score, createTime, audit.createTime(), status, closeReason, reasonText,
                account, station, reason, matchPatterns, aggregationCount + 1, kept);
    }

    SecurityEvent withStatus(String newStatus, String newCloseReason, String newReasonText, long updateTime) {
        return new SecurityEvent(id, type, score, createTime, updateTime, newStatus, newCloseReason, newReasonText,
                account, station, reason, matchPatterns, aggregationCount, audits);
    }

    /** A privileged account as PTA names it in audits: {@code accountAsStr} is "user@address". */
    record Account(String accountId, String userName, String address, String domain) {
        String asString() {
            return userName + "@" + address;
        }
    }

    /** One raw activity PTA aggregated into the event. Optional parts are null when absent. */
    record Audit(
            String id,
            String type,
            String sensor,
            String action,
            long createTime,
            String sourceAddress,
            String sourceHost,
            String vaultUser,
            String osUser,
            String command,
            boolean withAccountName) {
    }
}
