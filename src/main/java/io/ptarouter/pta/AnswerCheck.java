package io.ptarouter.pta;

import java.net.URI;
import java.util.Locale;

import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.Processor;

/**
 * Lets through only what a PTA GET call must answer: a 2xx other than 204, with a JSON content
 * type. Anything else (a redirect, no content, an HTML login page of a proxy) fails the poll with
 * what came and what was expected, instead of reading as an answer of no events. The readers then
 * check the JSON's shape.
 */
public final class AnswerCheck implements Processor {

    @Override
    public void process(Exchange exchange) {
        Message message = exchange.getMessage();
        Integer status = message.getHeader(Exchange.HTTP_RESPONSE_CODE, Integer.class);
        String type = message.getHeader(Exchange.CONTENT_TYPE, String.class);
        boolean json = type != null && mediaType(type).contains("json");
        if (status != null && status >= 200 && status < 300 && status != 204 && json) {
            return;
        }
        throw unexpected(message.getHeader(Exchange.HTTP_PATH, "", String.class), status, type,
                message.getHeader("Location", String.class));
    }

    /** What came instead of a 2xx JSON answer to the call {@code path}, and what was expected. */
    static MalformedResponseException unexpected(String path, Integer status, String contentType, String location) {
        String expected = path.contains("Risks") ? "a JSON object with an 'entities' array of risk events"
                : "a JSON array of security events";
        return new MalformedResponseException("PTA answered the call " + path.replaceAll("/+$", "") + " with status "
                + (status == null ? "(none)" : status) + (location == null ? "" : " to " + origin(location))
                + " and content type " + (contentType == null ? "(none)" : "'" + mediaType(contentType) + "'")
                + ": expected a 2xx with " + expected);
    }

    private static String mediaType(String contentType) {
        int parameters = contentType.indexOf(';');
        return (parameters < 0 ? contentType : contentType.substring(0, parameters)).strip().toLowerCase(Locale.ROOT);
    }

    /** Where a redirect points, without its path and query (which may carry anything). */
    private static String origin(String location) {
        try {
            URI uri = URI.create(location.strip());
            return uri.getHost() == null ? "a relative location" : uri.getScheme() + "://" + uri.getHost()
                    + (uri.getPort() < 0 ? "" : ":" + uri.getPort());
        } catch (IllegalArgumentException e) {
            return "an invalid location";
        }
    }
}
