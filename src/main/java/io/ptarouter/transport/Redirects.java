package io.ptarouter.transport;

import java.net.URI;

/**
 * Names where a redirect pointed, for a log line: the host and port of its Location only, as the
 * path and query may carry a secret of the server that redirected (a session key, a signed URL).
 */
public final class Redirects {

    private Redirects() {
    }

    public static boolean isRedirect(int status) {
        return status >= 300 && status < 400;
    }

    /** "host other.example:8443", "a path on the same host", "no Location" or "an unreadable Location". */
    public static String target(String location) {
        if (location == null || location.isBlank()) {
            return "no Location";
        }
        try {
            URI uri = URI.create(location.trim());
            if (uri.getHost() == null) {
                return uri.getScheme() == null ? "a path on the same host" : "an unreadable Location";
            }
            return "host " + uri.getHost() + (uri.getPort() < 0 ? "" : ":" + uri.getPort());
        } catch (IllegalArgumentException e) {
            return "an unreadable Location";
        }
    }
}
