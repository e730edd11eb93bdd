package io.ptarouter.check;

/** One line of the check mode's report: {@code ok   pvwa logon       https://pvwa...} or {@code FAIL smtp ...: why}. */
public record CheckResult(boolean ok, String check, String detail) {

    static CheckResult ok(String check, String detail) {
        return new CheckResult(true, check, detail);
    }

    static CheckResult fail(String check, String detail) {
        return new CheckResult(false, check, detail);
    }

    /** Why a probe failed, in one line: the exception's words, and its root cause's when they add something. */
    static String reason(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String top = words(e);
        String bottom = words(root);
        return root == e || top.contains(bottom) ? top : top + " (" + bottom + ")";
    }

    private static String words(Throwable e) {
        String message = e.getMessage();
        String text = message == null || message.isBlank() ? e.getClass().getSimpleName() : message;
        return text.replaceAll("\\s+", " ").strip();
    }

    String line() {
        return String.format("%-4s %-22s %s", ok ? "ok" : "FAIL", check, detail);
    }
}
