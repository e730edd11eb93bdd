package io.ptarouter.sink;

import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.ptarouter.config.InvalidConfigurationException;

/**
 * A text with {@code ${name}} placeholders, checked when it is loaded so that a typo in a
 * template fails start-up instead of producing broken mail at 3 a.m.
 */
public final class MessageTemplate {

    private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{([A-Za-z][A-Za-z0-9]*)}");

    private final String text;

    public MessageTemplate(String key, String text, Set<String> known) {
        Matcher m = PLACEHOLDER.matcher(text);
        while (m.find()) {
            if (!known.contains(m.group(1))) {
                throw new InvalidConfigurationException(key, "unknown placeholder ${" + m.group(1) + "}; known: "
                                                             + String.join(", ", known.stream().sorted().toList()));
            }
        }
        this.text = text;
    }

    /** Fills the placeholders; each value passes through {@code escape} (HTML escaping for HTML). */
    public String render(Map<String, String> values, UnaryOperator<String> escape) {
        Matcher m = PLACEHOLDER.matcher(text);
        StringBuilder out = new StringBuilder(text.length() + 256);
        while (m.find()) {
            String value = values.getOrDefault(m.group(1), "");
            m.appendReplacement(out, Matcher.quoteReplacement(escape.apply(value)));
        }
        m.appendTail(out);
        return out.toString();
    }

    public static String escapeHtml(String value) {
        StringBuilder out = new StringBuilder(value.length() + 16);
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '&' -> out.append("&amp;");
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&#39;");
                default -> out.append(c);
            }
        }
        return out.toString();
    }
}
