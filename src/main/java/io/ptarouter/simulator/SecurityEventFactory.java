package io.ptarouter.simulator;

import io.ptarouter.simulator.SecurityEvent.Account;
import io.ptarouter.simulator.SecurityEvent.Audit;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.Set;

/**
 * Makes realistic security events and audits. Everything but the timestamps follows from the seed, so a run can be
 * repeated. Not thread-safe: the store calls it under its lock.
 */
final class SecurityEventFactory {

    static final List<String> TYPES = List.of(
            "PSMSuspiciousActivity",
            "VaultViaIrregularIp",
            "InteractiveLogonWithServiceAccount",
            "SuspectedCredentialsTheft",
            "UnmanagedPrivilegedAccount",
            "PSMRiskyCommand");

    private static final long HISTORY_MILLIS = Duration.ofHours(6).toMillis();
    private static final List<String> USERS = List.of(
            "admin", "root", "Administrator", "svc_backup", "sqlsvc", "oracle", "svc_deploy", "ansible");
    private static final List<String> HOSTS = List.of(
            "srv-db-07", "srv-web-02", "srv-app-11", "dc01", "fs-03", "srv-db-12", "jump-01", "srv-erp-04");
    private static final List<String> VAULT_USERS = List.of("jdoe", "asmith", "mkowalski", "lchen", "rpatel");
    private static final List<String> COMMANDS = List.of(
            "net user /domain", "rm -rf /var/log/audit", "wevtutil cl Security", "chmod 777 /etc/shadow",
            "whoami /priv", "mimikatz.exe privilege::debug");
    private static final List<String> CLOSE_REASONS = List.of("HANDLED", "NOTREAL", "OTHER");
    private static final List<String> REASON_TEXTS = List.of(
            "", "Approved maintenance window", "Known scanner", "Confirmed with the account owner");

    private final Random random;
    private final HexFormat hex = HexFormat.of();
    /** Ids issued so far, to keep them unique; null when ids come from a counter and are unique by construction. */
    private final Set<String> issuedIds;
    private final List<Account> accounts;
    private int created;
    private long idCounter;

    SecurityEventFactory(long seed) {
        this(seed, true);
    }

    private SecurityEventFactory(long seed, boolean rememberIds) {
        this.random = new Random(seed);
        this.issuedIds = rememberIds ? new HashSet<>() : null;
        this.accounts = buildAccounts();
    }

    /**
     * A factory for answers too large to keep: ids are a bijective scramble of a counter, unique without remembering
     * them, so memory stays flat however many events it makes.
     */
    static SecurityEventFactory forGeneratedAnswers(long seed) {
        return new SecurityEventFactory(seed, false);
    }

    /**
     * An event raised and last updated within the hour before {@code startMillis}, with one to three audits (about
     * 1.5 KB of JSON on average), as a large answer after an outage would hold.
     */
    SecurityEvent generated(long startMillis) {
        long window = Duration.ofHours(1).toMillis();
        long createTime = startMillis - window + (long) (random.nextDouble() * (window - 60_000));
        int auditCount = 1 + random.nextInt(3);
        long lastUpdateTime = auditCount == 1
                ? createTime
                : createTime + 1 + (long) (random.nextDouble() * (startMillis - 1_000 - createTime));
        return newEvent(createTime, auditCount, lastUpdateTime);
    }

    /** An event PTA raised some time in the six hours before {@code startMillis}, possibly updated since. */
    SecurityEvent historic(long startMillis) {
        long createTime = startMillis - HISTORY_MILLIS + (long) (random.nextDouble() * (HISTORY_MILLIS - 60_000));
        int auditCount = 1 + random.nextInt(4);
        long lastUpdateTime = auditCount == 1
                ? createTime
                : createTime + 1 + (long) (random.nextDouble() * (startMillis - 1_000 - createTime));
        SecurityEvent event = newEvent(createTime, auditCount, lastUpdateTime);
        if (random.nextInt(5) == 0) {
            String closeReason = CLOSE_REASONS.get(random.nextInt(CLOSE_REASONS.size()));
            String reasonText = REASON_TEXTS.get(random.nextInt(REASON_TEXTS.size()));
            event = event.withStatus(SecurityEvent.CLOSED, closeReason, reasonText, lastUpdateTime);
        }
        return event;
    }

    /** An event PTA has just raised from one audit. */
    SecurityEvent fresh(long now) {
        return newEvent(now, 1, now);
    }

    /** A further audit of the same kind as the event's first one, as PTA aggregates repeated activity. */
    Audit nextAudit(SecurityEvent event, long time) {
        return audit(event.type(), event.account(), time);
    }

    private SecurityEvent newEvent(long createTime, int auditCount, long lastUpdateTime) {
        int index = created++;
        String type = TYPES.get(index % TYPES.size());
        Account account = accounts.get(random.nextInt(accounts.size()));
        List<Audit> audits = new ArrayList<>();
        for (int i = 0; i < auditCount; i++) {
            long time = i == 0 ? createTime
                    : i == auditCount - 1 ? lastUpdateTime
                    : createTime + (long) ((lastUpdateTime - createTime) * (i / (double) (auditCount - 1)));
            audits.add(audit(type, account, time));
        }
        boolean psm = type.startsWith("PSM");
        List<String> matchPatterns = psm ? List.of(".*" + audits.get(0).command().split(" ")[0] + ".*") : List.of();
        return new SecurityEvent(newId(), type, score(index), createTime, lastUpdateTime, SecurityEvent.OPEN, "NONE", "",
                account, randomAddress(), reasonFor(type), matchPatterns, auditCount, audits);
    }

    /**
     * Cycles through the low, medium and high bands so each occurs, with values such as 29.414062500000004 as PTA
     * sends them, and leaves about one event in fifteen without a score at all.
     */
    private Double score(int index) {
        if (index % 15 == 7) {
            return null;
        }
        double low;
        double high;
        switch (index % 3) {
            case 0 -> { low = 1; high = 35; }
            case 1 -> { low = 35; high = 75; }
            default -> { low = 75; high = 100; }
        }
        double steps = (high - low) * 256;
        double value = low + random.nextInt((int) steps) / 256.0;
        return Math.nextUp(Math.nextUp(value));
    }

    private Audit audit(String type, Account account, long time) {
        String address = randomAddress();
        String host = "ws-" + (100 + random.nextInt(400));
        String vaultUser = VAULT_USERS.get(random.nextInt(VAULT_USERS.size()));
        return switch (type) {
            case "PSMSuspiciousActivity" -> new Audit(newId(), "PSM_ACTIVITY", "PSM", "Suspicious activity", time,
                    address, host, vaultUser, account.userName(), randomCommand(), true);
            case "VaultViaIrregularIp" -> new Audit(newId(), "VAULT_LOGON", "VAULT", "Logon", time,
                    address, host, vaultUser, null, null, false);
            case "InteractiveLogonWithServiceAccount" -> new Audit(newId(), "WINDOWS_LOGON", "SIEM",
                    "Interactive logon", time, address, host, null, account.userName(), null, true);
            case "SuspectedCredentialsTheft" -> new Audit(newId(), "WINDOWS_LOGON", "DC_AGENT", "Logon", time,
                    address, host, null, account.userName(), null, true);
            case "UnmanagedPrivilegedAccount" -> new Audit(newId(), "WINDOWS_LOGON", "SIEM",
                    "Logon with unmanaged account", time, address, host, null, account.userName(), null, true);
            default -> new Audit(newId(), "PSM_COMMAND", "PSM", "Risky command", time,
                    address, host, vaultUser, account.userName(), randomCommand(), true);
        };
    }

    private static String reasonFor(String type) {
        return switch (type) {
            case "VaultViaIrregularIp" -> "ip";
            case "InteractiveLogonWithServiceAccount" -> "interactive";
            case "SuspectedCredentialsTheft" -> "credentials";
            case "UnmanagedPrivilegedAccount" -> "unmanaged";
            default -> "psm";
        };
    }

    private String randomCommand() {
        return COMMANDS.get(random.nextInt(COMMANDS.size()));
    }

    private String randomAddress() {
        return "10." + random.nextInt(8) + "." + random.nextInt(256) + "." + (1 + random.nextInt(254));
    }

    /** PTA ids look like MongoDB ObjectIds: 12 bytes as 24 lowercase hex characters. */
    private String newId() {
        if (issuedIds == null) {
            // 4 bytes from the seeded random, then 8 bytes of a counter mixed by SplitMix64's finaliser (a bijection).
            long z = idCounter++ * 0x9E3779B97F4A7C15L;
            z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
            z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
            z ^= z >>> 31;
            return hex.toHexDigits(random.nextInt()) + hex.toHexDigits(z);
        }
        byte[] bytes = new byte[12];
        String id;
        do {
            random.nextBytes(bytes);
            id = hex.formatHex(bytes);
        } while (!issuedIds.add(id));
        return id;
    }

    private List<Account> buildAccounts() {
        List<Account> built = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            String user = USERS.get(random.nextInt(USERS.size()));
            String host = HOSTS.get(i % HOSTS.size());
            built.add(new Account((10 + i / 4) + "_" + (i + 1), user, host, "corp.example.com"));
        }
        return List.copyOf(built);
    }
}
