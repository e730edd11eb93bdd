package io.ptarouter.pta;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.apache.camel.Exchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Reads one page of risk events ({@code {entities, totalEntities, totalPages, ...}}, at most
 * 1000 entities) and decides whether the loop fetches another page: until {@code totalPages},
 * at once when {@code totalEntities} is 0 or a page comes back empty, and never beyond the
 * configured page limit.
 */
public final class RiskPageReader {

    private static final Logger LOG = LoggerFactory.getLogger(RiskPageReader.class);
    public static final String MORE_PAGES = "ptaMorePages";

    private final ObjectMapper json;
    private final int maxPages;

    public RiskPageReader(int maxPages) {
        this(maxPages, AnswerLimits.DEFAULT);
    }

    /**
     * A page is read whole, as a tree: it may hold at most {@value AnswerLimits#MAX_RISK_PAGE_BYTES} bytes and
     * {@value AnswerLimits#MAX_RISK_PAGE_TOKENS} tokens.
     */
    public RiskPageReader(int maxPages, AnswerLimits limits) {
        this.maxPages = maxPages;
        this.json = PtaJson.mapper(limits.riskPageConstraints());
    }

    public List<JsonNode> read(Exchange exchange) {
        int page = exchange.getProperty(RiskEventsQuery.PAGE, 0, Integer.class);
        JsonNode answer = parse(exchange, page);
        JsonNode entities = answer.get("entities");
        if (entities == null || !entities.isArray()) {
            throw new MalformedResponseException("PTA risk events page " + page + " has no 'entities' array: expected "
                    + "{\"entities\": [...], \"totalPages\": ...}, got " + (entities == null ? "an object with fields "
                    + fieldNames(answer) : "'entities' as " + entities.getNodeType().toString().toLowerCase(Locale.ROOT)));
        }
        long totalEntities = answer.path("totalEntities").asLong(-1);
        int totalPages = answer.path("totalPages").asInt(-1);
        boolean more = totalEntities != 0 && !entities.isEmpty() && page + 1 < totalPages;
        if (more && page + 1 >= maxPages) {
            LOG.warn("risk events: stopped after {} pages of {} ({} entities in all); raise pta.risk-events.max-pages "
                     + "or narrow pta.risk-events.filter to read the rest", maxPages, totalPages, totalEntities);
            more = false;
        }
        exchange.setProperty(MORE_PAGES, more);
        exchange.setProperty(RiskEventsQuery.PAGE, page + 1);
        List<JsonNode> list = new ArrayList<>(entities.size());
        entities.forEach(list::add);
        return list;
    }

    private static String fieldNames(JsonNode answer) {
        StringBuilder names = new StringBuilder();
        answer.fieldNames().forEachRemaining(n -> names.append(names.length() == 0 ? "" : ", ").append(n));
        return names.length() == 0 ? "(none)" : names.length() > 200 ? names.substring(0, 200) + "..." : names.toString();
    }

    private JsonNode parse(Exchange exchange, int page) {
        try (InputStream body = exchange.getMessage().getBody(InputStream.class)) {
            if (body == null) {
                throw new MalformedResponseException("PTA risk events page " + page + " is empty");
            }
            JsonNode answer = json.readTree(body);
            if (answer == null || answer.isMissingNode()) {
                throw new MalformedResponseException("PTA risk events page " + page + " is empty: expected a JSON "
                        + "object with an 'entities' array");
            }
            if (!answer.isObject()) {
                throw new MalformedResponseException("PTA risk events page " + page + " is not a JSON object but "
                        + answer.getNodeType().toString().toLowerCase(Locale.ROOT) + ": expected one with an 'entities' array");
            }
            return answer;
        } catch (JsonProcessingException e) {
            String at = e.getLocation() == null ? ""
                    : " at line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr();
            String limits = e instanceof StreamConstraintsException
                    ? " (a page is held to " + (AnswerLimits.MAX_RISK_PAGE_BYTES >> 20) + " MB and "
                    + AnswerLimits.MAX_RISK_PAGE_TOKENS + " JSON tokens, a string to pta.events.max-event-size)" : "";
            throw new MalformedResponseException("PTA risk events page " + page + " is "
                    + (limits.isEmpty() ? "malformed" : "over a limit") + at + ": "
                    + e.getOriginalMessage() + limits, e);
        } catch (IOException e) {
            throw new MalformedResponseException("reading PTA risk events page " + page + " failed: " + e.getMessage(), e);
        }
    }
}
