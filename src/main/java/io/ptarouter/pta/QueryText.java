package io.ptarouter.pta;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

/** Query values for PTA, which does not accept {@code + & %} literally: spaces become %20, not +. */
final class QueryText {

    private QueryText() {
    }

    static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
