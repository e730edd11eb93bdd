package io.ptarouter.simulator;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Random;

/** The simulated PTA's risk events, in a stable order so that pages do not shift between requests. */
final class RiskEventStore {

    static final List<String> TYPES = List.of("RISK_RISKY_SPN", "RISK_UNCONSTRAINED_DELEGATION");

    private static final long HISTORY_MILLIS = Duration.ofDays(30).toMillis();
    private static final List<String> ACCOUNTS = List.of(
            "svc_sql", "svc_iis", "svc_exchange", "svc_sharepoint", "svc_backup", "svc_scom", "krbtgt_legacy");
    private static final List<String> SERVICES = List.of("MSSQLSvc", "HTTP", "exchangeMDB", "CIFS", "HOST");

    private final Object lock = new Object();
    private final List<RiskEvent> events = new ArrayList<>();

    RiskEventStore(int count, long seed, long startMillis) {
        Random random = new Random(seed * 17 + 3);
        HexFormat hex = HexFormat.of();
        byte[] idBytes = new byte[12];
        for (int i = 0; i < count; i++) {
            random.nextBytes(idBytes);
            String accountName = ACCOUNTS.get(random.nextInt(ACCOUNTS.size()));
            String host = "srv-" + (100 + random.nextInt(900)) + ".corp.example.com";
            boolean open = random.nextInt(10) < 7;
            events.add(new RiskEvent(
                    hex.formatHex(idBytes),
                    TYPES.get(i % TYPES.size()),
                    open ? "OPEN" : "CLOSED",
                    startMillis - HISTORY_MILLIS + (long) (random.nextDouble() * HISTORY_MILLIS),
                    random.nextInt(1000) / 10f,
                    (20 + i / 50) + "_" + (i + 1),
                    accountName,
                    "corp.example.com",
                    SERVICES.get(random.nextInt(SERVICES.size())) + "/" + host,
                    host,
                    open ? "NONE" : "HANDLED",
                    ""));
        }
    }

    /** The matching events in stable order; callers cut the page. */
    List<RiskEvent> matching(RiskFilter filter) {
        synchronized (lock) {
            return events.stream().filter(filter).toList();
        }
    }

    int size() {
        synchronized (lock) {
            return events.size();
        }
    }

    Optional<RiskEvent> changeStatus(String id, String status, String closeReason, String reasonText) {
        synchronized (lock) {
            for (int i = 0; i < events.size(); i++) {
                RiskEvent event = events.get(i);
                if (event.id().equals(id)) {
                    RiskEvent updated = event.withStatus(
                            status == null ? event.status() : status,
                            closeReason == null ? event.closeReason() : closeReason,
                            reasonText == null ? event.reasonText() : reasonText);
                    events.set(i, updated);
                    return Optional.of(updated);
                }
            }
            return Optional.empty();
        }
    }
}
