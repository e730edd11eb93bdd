package io.ptarouter.sink;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;

import io.ptarouter.config.InvalidConfigurationException;

/**
 * One PTA event as the CEF record PTA's own syslog push sends ({@code CEF:0|CyberArk|PTA|...}, the
 * extension keys of CyberArk's "CEF-Based Format Definition"), so that a SIEM's PTA parser reads it
 * unchanged. What PTA's push does not carry (the score as sent, the update flag, the version, the
 * stream) goes in custom keys of ArcSight's dictionary that PTA does not use (cfp1, cn1, cs5, cs6).
 * Hand-written: no CEF formatter ships with Camel, and the escaping is the point of this class.
 */
public final class CefRecords {

    /** A PTA security or risk event, with what the router knows of it. */
    public record Event(String stream, JsonNode event, Double score, boolean update, long version) {
    }

    /** How PTA's prefix fields are filled: version, type ids and the score → severity scale. */
    public record Settings(String ptaVersion, Map<String, Integer> typeIds, int unknownTypeId,
                           double[] severityFrom, int missingScoreSeverity, String eventLink) {
    }

    /**
     * Who and what an event is about, as PTA's syslog names them: for a security event from its first audit, for a
     * risk event from its account and service (a risk has no source).
     */
    record Parties(String sourceUser, String sourceHost, String sourceAddress, String targetUser, String targetHost) {

        static Parties of(JsonNode event) {
            if (event.hasNonNull("riskType")) {
                JsonNode account = first(event, "account", "riskAccount");
                return new Parties(null, null, null,
                        text(account.path("accountAsStr"), account.path("name"), account.path("accountName")),
                        text(first(event, "service", "riskService").path("host")));
            }
            JsonNode audit = event.path("audits").path(0);
            JsonNode source = audit.path("source");
            JsonNode target = audit.path("account").path("mTarget");
            return new Parties(text(audit.path("vaultUser"), audit.path("user").path("mUserName")),
                    text(source.path("mResolvedAddress").path("mFqdn"), source.path("mResolvedAddress").path("mHostName")),
                    text(source.path("mOriginalAddress"), source.path("mResolvedAddress").path("mAddress")),
                    text(audit.path("account").path("accountAsStr"), target.path("mAccountName"),
                            event.path("account").path("account").path("mUser")),
                    text(target.path("mAddress"), audit.path("target"), event.path("account").path("account").path("mTarget")));
        }
    }

    private static final Pattern CAMEL_WORD = Pattern.compile("(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])");
    private static final String NONE = "None";

    private final Settings settings;

    public CefRecords(Settings settings) {
        this.settings = settings;
    }

    public String format(Event e) {
        JsonNode event = e.event();
        boolean risk = event.hasNonNull("riskType");
        String type = text(risk ? event.path("riskType") : event.path("type"));
        StringBuilder cef = new StringBuilder(512).append("CEF:0|CyberArk|PTA|");
        prefix(cef, settings.ptaVersion());
        prefix(cef, Integer.toString(settings.typeIds().getOrDefault(type == null ? "" : type, settings.unknownTypeId())));
        prefix(cef, type == null ? NONE : eventName(type));
        cef.append(severity(e.score())).append('|');

        Parties parties = Parties.of(event);
        Map<String, String> ext = new LinkedHashMap<>();
        ext.put("suser", parties.sourceUser());
        ext.put("shost", parties.sourceHost());
        ext.put("src", parties.sourceAddress());
        ext.put("duser", parties.targetUser());
        ext.put("dhost", parties.targetHost());
        ext.put("dst", ipOrNull(parties.targetHost()));
        ext.put("cs1Label", "ExtraData");
        JsonNode extra = risk ? first(event, "service", "riskService") : event.path("additionalData");
        ext.put("cs1", extra.isMissingNode() || extra.isNull() ? null : extra.toString());
        ext.put("cs2Label", "EventID");
        ext.put("cs2", text(event.path("id")));
        ext.put("deviceCustomDate1Label", "detectionDate");
        ext.put("deviceCustomDate1", text(event.path(risk ? "detectionTime" : "createTime")));
        String id = text(event.path("id"));
        ext.put("cs3Label", "PTAlink");
        ext.put("cs3", settings.eventLink().isEmpty() ? null : settings.eventLink().replace("{id}", id == null ? NONE : id));
        ext.put("cs4Label", "ExternalLink");
        ext.put("cs4", null);
        // What PTA's own push does not carry: keys PTA's parsers do not read.
        if (e.score() != null) {
            ext.put("cfp1Label", "Score");
            ext.put("cfp1", scoreText(e.score()));
        }
        ext.put("cn1Label", "Version");
        ext.put("cn1", Long.toString(e.version()));
        ext.put("cs5Label", "Update");
        ext.put("cs5", Boolean.toString(e.update()));
        ext.put("cs6Label", "Stream");
        ext.put("cs6", e.stream());

        boolean firstKey = true;
        for (Map.Entry<String, String> entry : ext.entrySet()) {
            if (!firstKey) {
                cef.append(' ');
            }
            firstKey = false;
            cef.append(entry.getKey()).append('=');
            extensionValue(cef, entry.getValue() == null || entry.getValue().isEmpty() ? NONE : entry.getValue());
        }
        return cef.toString();
    }

    /** 1..10: 1 below the first threshold, n+1 from the n-th; a missing score gets the configured severity. */
    int severity(Double score) {
        if (score == null || score.isNaN()) {
            return settings.missingScoreSeverity();
        }
        int severity = 1;
        for (double from : settings.severityFrom()) {
            if (score >= from) {
                severity++;
            }
        }
        return Math.min(10, severity);
    }

    /** "SuspectedCredentialsTheft" → "Suspected credentials theft", as PTA names it; "RISK_RISKY_SPN" → "Risky SPN". */
    static String eventName(String type) {
        if (type.startsWith("RISK_") || type.contains("_")) {
            String[] words = type.replaceFirst("^RISK_", "").split("_+");
            StringBuilder name = new StringBuilder();
            for (String word : words) {
                if (word.isEmpty()) {
                    continue;
                }
                if (name.length() > 0) {
                    name.append(' ');
                }
                // Short words (SPN, IP) stay upper case; longer ones read as words.
                name.append(word.length() <= 3 ? word : name.length() == 0
                        ? word.charAt(0) + word.substring(1).toLowerCase() : word.toLowerCase());
            }
            return name.length() == 0 ? type : name.toString();
        }
        String[] words = CAMEL_WORD.split(type);
        StringBuilder name = new StringBuilder();
        for (String word : words) {
            if (name.length() > 0) {
                name.append(' ').append(word.length() > 1 && word.equals(word.toUpperCase()) ? word : word.toLowerCase());
            } else {
                name.append(word);
            }
        }
        return name.toString();
    }

    /** CEF prefix escaping: {@code \} as {@code \\}, {@code |} as {@code \|}; a line break cannot be escaped there: a space. */
    static void prefix(StringBuilder cef, String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '\\' || c == '|') {
                cef.append('\\').append(c);
            } else if (c < 0x20 || c == 0x7f) {
                cef.append(' ');
            } else {
                cef.append(c);
            }
        }
        cef.append('|');
    }

    /**
     * CEF extension escaping: {@code \} as {@code \\}, {@code =} as {@code \=}, line feed as {@code \n},
     * carriage return as {@code \r}. Other control characters have no CEF escape and would be
     * rewritten by syslog receivers: they become a space.
     */
    static void extensionValue(StringBuilder cef, String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '\\' -> cef.append("\\\\");
                case '=' -> cef.append("\\=");
                case '\n' -> cef.append("\\n");
                case '\r' -> cef.append("\\r");
                default -> cef.append(c < 0x20 || c == 0x7f ? ' ' : c);
            }
        }
    }

    private static String scoreText(double score) {
        return score == Math.rint(score) && Math.abs(score) < 1e15 ? Long.toString((long) score) : Double.toString(score);
    }

    private static JsonNode first(JsonNode event, String... names) {
        for (String name : names) {
            if (event.hasNonNull(name)) {
                return event.get(name);
            }
        }
        return event.path(names[0]);
    }

    static String text(JsonNode... candidates) {
        for (JsonNode node : candidates) {
            if (node != null && !node.isMissingNode() && !node.isNull() && !node.isContainerNode()) {
                String text = node.asText();
                if (!text.isBlank()) {
                    return text;
                }
            }
        }
        return null;
    }

    private static final Pattern IPV4 = Pattern.compile("((25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)\\.){3}(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)");
    private static final Pattern IPV6 = Pattern.compile("[0-9A-Fa-f:]*:[0-9A-Fa-f:.]*");

    /** PTA's dst is an IP address: a host name goes in dhost only. */
    static String ipOrNull(String address) {
        return address != null && (IPV4.matcher(address).matches() || IPV6.matcher(address).matches() && isIpv6(address))
                ? address : null;
    }

    /** A literal with a colon is parsed as an IPv6 address, never looked up in DNS. */
    private static boolean isIpv6(String address) {
        try {
            java.net.InetAddress.getByName(address); // an IPv4-mapped one comes back as an Inet4Address
            return true;
        } catch (java.net.UnknownHostException e) {
            return false;
        }
    }

    /** "Type:id,Type:id" as pta.sink.syslog.event-type-ids writes it. */
    public static Map<String, Integer> parseTypeIds(String key, String value) {
        Map<String, Integer> ids = new LinkedHashMap<>();
        for (String pair : value.split(",")) {
            if (pair.isBlank()) {
                continue;
            }
            String[] parts = pair.trim().split(":");
            try {
                if (parts.length != 2 || parts[0].isBlank()) {
                    throw new NumberFormatException();
                }
                ids.put(parts[0].trim(), Integer.parseInt(parts[1].trim()));
            } catch (NumberFormatException e) {
                throw new InvalidConfigurationException(key, "expected Type:id pairs separated by commas, got '" + pair.trim() + "'");
            }
        }
        return ids;
    }

    /** Nine ascending scores, where severity 2..10 begin. */
    public static double[] parseSeverityFrom(String key, List<String> values) {
        if (values.size() != 9) {
            throw new InvalidConfigurationException(key, "expected 9 ascending scores (where severities 2 to 10 begin), got "
                                                          + values.size());
        }
        double[] from = new double[9];
        for (int i = 0; i < 9; i++) {
            try {
                from[i] = Double.parseDouble(values.get(i).trim());
            } catch (NumberFormatException e) {
                throw new InvalidConfigurationException(key, "'" + values.get(i).trim() + "' is not a number");
            }
            if (i > 0 && from[i] < from[i - 1]) {
                throw new InvalidConfigurationException(key, "the scores must ascend: " + from[i] + " after " + from[i - 1]);
            }
        }
        return from;
    }
}
