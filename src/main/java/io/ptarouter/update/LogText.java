package io.ptarouter.update;

/** Text from a request as it may appear in a log line or an error message: one line, bounded, never a forged line. */
final class LogText {

    private static final int MAX_SHOWN = 64;

    private LogText() {
    }

    /** Control characters (and Unicode line and paragraph separators) as \\uXXXX, quoted, cut after 64 characters. */
    static String quote(String text) {
        if (text == null) {
            return "(none)";
        }
        StringBuilder shown = new StringBuilder(Math.min(text.length(), MAX_SHOWN) + 8).append('\'');
        for (int i = 0; i < text.length() && i < MAX_SHOWN; i++) {
            char c = text.charAt(i);
            if (Character.isISOControl(c) || c == '\u2028' || c == '\u2029') {
                shown.append(String.format("\\u%04x", (int) c));
            } else {
                shown.append(c);
            }
        }
        if (text.length() > MAX_SHOWN) {
            shown.append("...");
        }
        return shown.append('\'').toString();
    }
}
