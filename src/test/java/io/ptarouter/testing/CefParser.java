package io.ptarouter.testing;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A strict reader of syslog messages carrying CEF, written from ArcSight's CEF specification (and
 * RFC 5424 / RFC 3164 for the header), independent of the sink's writer. It refuses what the spec
 * does not allow instead of guessing: an escape other than {@code \\ \|} in the prefix or
 * {@code \\ \= \n \r} in the extension, an unescaped {@code =} that is not a key's, a key that is
 * not alphanumeric, a key twice, a raw line break, fewer than seven prefix fields.
 */
public final class CefParser {

    /** One CEF record: the seven prefix fields and the extension, in order. */
    public record Cef(String version, String vendor, String product, String deviceVersion, String eventClassId,
                      String name, int severity, Map<String, String> extension) {
    }

    /** The syslog header and the CEF record it carries. */
    public record SyslogCef(int pri, String timestamp, String hostname, String appName, Cef cef) {
    }

    private static final Pattern RFC5424 = Pattern.compile(
            "<(\\d{1,3})>1 (\\S+) (\\S+) (\\S+) (\\S+) (\\S+) (-|\\[.*?\\]) (CEF:.*)", Pattern.DOTALL);
    private static final Pattern RFC3164 = Pattern.compile(
            "<(\\d{1,3})>([A-Z][a-z]{2} [ 1-3]\\d \\d\\d:\\d\\d:\\d\\d) (\\S+) (CEF:.*)", Pattern.DOTALL);
    private static final Pattern KEY = Pattern.compile("[A-Za-z0-9]+");

    private CefParser() {
    }

    public static SyslogCef rfc5424(String message) {
        Matcher m = RFC5424.matcher(message);
        if (!m.matches()) {
            throw new IllegalArgumentException("not an RFC 5424 message with CEF: " + message);
        }
        return new SyslogCef(Integer.parseInt(m.group(1)), m.group(2), m.group(3), m.group(4), parse(m.group(8)));
    }

    public static SyslogCef rfc3164(String message) {
        Matcher m = RFC3164.matcher(message);
        if (!m.matches()) {
            throw new IllegalArgumentException("not an RFC 3164 message with CEF: " + message);
        }
        return new SyslogCef(Integer.parseInt(m.group(1)), m.group(2), m.group(3), null, parse(m.group(4)));
    }

    public static Cef parse(String record) {
        if (record.indexOf('\n') >= 0 || record.indexOf('\r') >= 0) {
            throw new IllegalArgumentException("a raw line break in a CEF record");
        }
        if (!record.startsWith("CEF:")) {
            throw new IllegalArgumentException("no CEF: at the start");
        }
        List<String> fields = new ArrayList<>();
        StringBuilder field = new StringBuilder();
        int i = 4;
        while (fields.size() < 7) {
            if (i >= record.length()) {
                throw new IllegalArgumentException("only " + fields.size() + " of 7 prefix fields");
            }
            char c = record.charAt(i++);
            if (c == '\\') {
                if (i >= record.length() || (record.charAt(i) != '\\' && record.charAt(i) != '|')) {
                    throw new IllegalArgumentException("a prefix escape other than \\\\ or \\| at " + (i - 1));
                }
                field.append(record.charAt(i++));
            } else if (c == '|') {
                fields.add(field.toString());
                field.setLength(0);
            } else {
                field.append(c);
            }
        }
        int severity = Integer.parseInt(fields.get(6));
        return new Cef(fields.get(0), fields.get(1), fields.get(2), fields.get(3), fields.get(4), fields.get(5), severity,
                extension(record.substring(i)));
    }

    /** key=value pairs separated by spaces; a value runs to the space before the next key's unescaped '='. */
    static Map<String, String> extension(String text) {
        List<Integer> separators = new ArrayList<>();
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\\') {
                i++; // the escaped character cannot be a separator; checked when the value is read
            } else if (c == '=') {
                separators.add(i);
            }
        }
        Map<String, String> pairs = new LinkedHashMap<>();
        if (text.isEmpty()) {
            return pairs;
        }
        int keyStart = 0;
        for (int n = 0; n < separators.size(); n++) {
            int eq = separators.get(n);
            String key = text.substring(keyStart, eq);
            if (!KEY.matcher(key).matches()) {
                throw new IllegalArgumentException("'" + key + "' is not a key: an unescaped = inside a value?");
            }
            int valueEnd;
            int nextKeyStart;
            if (n + 1 < separators.size()) {
                int nextEq = separators.get(n + 1);
                int space = text.lastIndexOf(' ', nextEq);
                if (space < eq) {
                    throw new IllegalArgumentException("an unescaped = in the value of " + key);
                }
                valueEnd = space;
                nextKeyStart = space + 1;
            } else {
                valueEnd = text.length();
                nextKeyStart = text.length();
            }
            if (pairs.put(key, unescape(key, text.substring(eq + 1, valueEnd))) != null) {
                throw new IllegalArgumentException("the key " + key + " twice");
            }
            keyStart = nextKeyStart;
        }
        if (keyStart < text.length()) {
            throw new IllegalArgumentException("text without a key: " + text.substring(keyStart));
        }
        return pairs;
    }

    private static String unescape(String key, String raw) {
        StringBuilder value = new StringBuilder(raw.length());
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (c != '\\') {
                value.append(c);
                continue;
            }
            if (++i >= raw.length()) {
                throw new IllegalArgumentException("a lone \\ at the end of " + key);
            }
            switch (raw.charAt(i)) {
                case '\\' -> value.append('\\');
                case '=' -> value.append('=');
                case 'n' -> value.append('\n');
                case 'r' -> value.append('\r');
                default -> throw new IllegalArgumentException("the escape \\" + raw.charAt(i) + " in " + key);
            }
        }
        return value.toString();
    }
}
