package io.ptarouter.simulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The PVWA and PTA endpoints of PTA-API.md. Paths match case-insensitively and with or without a trailing slash,
 * as IIS does.
 */
final class PvwaHandler implements HttpHandler {

    private static final Logger LOG = LoggerFactory.getLogger(PvwaHandler.class);

    private static final Pattern LOGON = Pattern.compile("/PasswordVault/API/auth/([^/]+)/Logon", Pattern.CASE_INSENSITIVE);
    private static final String LOGOFF = "/passwordvault/api/auth/logoff";
    private static final String EVENTS = "/passwordvault/api/pta/api/events";
    private static final String RISKS = "/passwordvault/api/pta/api/risks/risksevents";
    private static final Set<String> LOGON_METHODS = Set.of("cyberark", "ldap", "radius", "windows");
    private static final Set<String> STATUSES = Set.of("OPEN", "CLOSED");
    private static final Set<String> CLOSE_REASONS = Set.of("HANDLED", "NOTREAL", "OTHER", "NONE");
    private static final int MAX_REASON_TEXT = 100;
    private static final int DEFAULT_PAGE_SIZE = 100;
    private static final int MAX_PAGE_SIZE = 1000;

    private final String username;
    private final String password;
    private final Sessions sessions;
    private final SecurityEventStore securityEvents;
    /** Set when the security events answer is generated on the fly rather than read from the store. */
    private final GeneratedSecurityEvents generatedEvents;
    private final RiskEventStore riskEvents;
    private final ObjectMapper mapper;
    private final SecurityEventWriter writer = new SecurityEventWriter();
    private final Random order;
    private final AtomicInteger rejectedCalls = new AtomicInteger();
    private final AtomicInteger rejectedLogons = new AtomicInteger();
    private final List<String> requestLog = new ArrayList<>();
    /** Numbers the authorised PTA calls in the order they arrive. */
    private final AtomicLong ptaCalls = new AtomicLong();
    /** What each events or risk events answer held; null when the simulator does not record answers. */
    private volatile List<ServedAnswer> servedAnswers;

    PvwaHandler(String username, String password, Sessions sessions, SecurityEventStore securityEvents,
                RiskEventStore riskEvents, ObjectMapper mapper, long seed) {
        this(username, password, sessions, securityEvents, null, riskEvents, mapper, seed);
    }

    PvwaHandler(String username, String password, Sessions sessions, SecurityEventStore securityEvents,
                GeneratedSecurityEvents generatedEvents, RiskEventStore riskEvents, ObjectMapper mapper, long seed) {
        this.username = username;
        this.password = password;
        this.sessions = sessions;
        this.securityEvents = securityEvents;
        this.generatedEvents = generatedEvents;
        this.riskEvents = riskEvents;
        this.mapper = mapper;
        this.order = new Random(seed + 1);
    }

    @Override
    public void handle(HttpExchange exchange) throws IOException {
        String rawQuery = exchange.getRequestURI().getRawQuery();
        String line = exchange.getRequestMethod() + " " + exchange.getRequestURI().getRawPath()
                + (rawQuery == null ? "" : "?" + rawQuery);
        synchronized (requestLog) {
            requestLog.add(line);
        }
        ApiExchange api = new ApiExchange(exchange, mapper);
        try {
            route(api);
        } catch (ApiError error) {
            LOG.debug("{} -> {} {}", line, error.status(), error.code());
            sendQuietly(api, error);
        } catch (IOException | RuntimeException e) {
            // A client that hangs up mid-stream lands here too; its answer cannot be changed any more.
            LOG.debug("{} failed: {}", line, e.toString());
            sendQuietly(api, ApiError.internal("The simulator failed: " + e.getMessage()));
        } finally {
            exchange.close();
        }
    }

    int rejectedCallCount() {
        return rejectedCalls.get();
    }

    int rejectedLogonCount() {
        return rejectedLogons.get();
    }

    List<String> requestLog() {
        synchronized (requestLog) {
            return List.copyOf(requestLog);
        }
    }

    /** From now on, record what every security events and risk events answer holds (see {@link ServedAnswer}). */
    void recordServedAnswers() {
        if (servedAnswers == null) {
            servedAnswers = new ArrayList<>();
        }
    }

    List<ServedAnswer> servedAnswers() {
        List<ServedAnswer> answers = servedAnswers;
        if (answers == null) {
            return List.of();
        }
        synchronized (answers) {
            return List.copyOf(answers);
        }
    }

    private void route(ApiExchange api) throws IOException {
        String path = api.path();
        String lower = path.toLowerCase(Locale.ROOT);
        Matcher logon = LOGON.matcher(path);
        if (logon.matches()) {
            requireMethod(api, "POST");
            logon(api, logon.group(1));
        } else if (lower.equals(LOGOFF)) {
            requireMethod(api, "POST");
            logoff(api);
        } else if (lower.equals(EVENTS)) {
            requireMethod(api, "GET");
            // Generated answers are too large to keep.
            AnswerRecord record = new AnswerRecord(ptaCalls.incrementAndGet(), authorize(api),
                    ServedAnswer.SECURITY_EVENTS, generatedEvents == null ? servedAnswers : null, api.header("User-Agent"));
            try {
                securityEvents(api, record);
            } finally {
                record.close();
            }
        } else if (lower.startsWith(EVENTS + "/") && lower.indexOf('/', EVENTS.length() + 1) < 0) {
            requireMethod(api, "PATCH");
            authorize(api);
            patchSecurityEvent(api, path.substring(EVENTS.length() + 1));
        } else if (lower.equals(RISKS)) {
            requireMethod(api, "GET");
            AnswerRecord record = new AnswerRecord(ptaCalls.incrementAndGet(), authorize(api),
                    ServedAnswer.RISK_EVENTS, servedAnswers, api.header("User-Agent"));
            try {
                riskEvents(api, record);
            } finally {
                record.close();
            }
        } else if (lower.startsWith(RISKS + "/") && lower.indexOf('/', RISKS.length() + 1) < 0) {
            requireMethod(api, "PATCH");
            authorize(api);
            patchRiskEvent(api, path.substring(RISKS.length() + 1));
        } else {
            throw ApiError.notFound("The requested resource [" + path + "] does not exist.");
        }
    }

    private void logon(ApiExchange api, String method) throws IOException {
        if (!LOGON_METHODS.contains(method.toLowerCase(Locale.ROOT))) {
            throw ApiError.notFound("Authentication method [" + method + "] is not supported.");
        }
        JsonNode body = api.jsonBody();
        JsonNode user = body.get("username");
        JsonNode secret = body.get("password");
        if (user == null || !user.isTextual() || secret == null || !secret.isTextual()) {
            throw ApiError.invalidParameter("username and password are required");
        }
        if (!user.asText().equalsIgnoreCase(username) || !secret.asText().equals(password)) {
            rejectedLogons.incrementAndGet();
            throw ApiError.authenticationFailure(user.asText());
        }
        JsonNode concurrent = body.get("concurrentSession");
        String token = sessions.open(user.asText(), concurrent != null && concurrent.asBoolean(false));
        api.send(200, json -> json.writeString(token));
    }

    private void logoff(ApiExchange api) throws IOException {
        if (!sessions.close(api.header("Authorization"))) {
            throw ApiError.sessionEnded();
        }
        api.send(200, json -> {
            json.writeStartObject();
            json.writeStringField("LogoffUrl", "");
            json.writeEndObject();
        });
    }

    /** Returns the number of the caller's session. */
    private int authorize(ApiExchange api) {
        return sessions.number(api.header("Authorization")).orElseThrow(() -> {
            rejectedCalls.incrementAndGet();
            return ApiError.sessionEnded();
        });
    }

    private void securityEvents(ApiExchange api, AnswerRecord record) throws IOException {
        Long fromUpdateDate = longParameter("fromUpdateDate", api.query("fromUpdateDate"));
        if (fromUpdateDate == null) {
            fromUpdateDate = longParameter("lastUpdatedEventDate", api.header("lastUpdatedEventDate"));
        }
        String status = api.query("status");
        if (status != null && !STATUSES.contains(status.toUpperCase(Locale.ROOT))) {
            throw ApiError.invalidParameter("status must be open or closed");
        }
        String accountId = api.query("accountID");
        long from = fromUpdateDate == null ? Long.MIN_VALUE : fromUpdateDate;
        record.since(fromUpdateDate);
        if (generatedEvents != null) {
            streamGenerated(api, from, status, accountId);
            return;
        }
        List<SecurityEvent> selected = new ArrayList<>();
        for (SecurityEvent event : securityEvents.snapshot()) {
            if (event.lastUpdateTime() >= from
                    && (status == null || event.status().equalsIgnoreCase(status))
                    && (accountId == null || event.account().accountId().equals(accountId))) {
                selected.add(event);
            }
        }
        unsort(selected);
        api.stream(json -> {
            json.writeStartArray();
            for (SecurityEvent event : selected) {
                record.add(event.id(), event.lastUpdateTime(), event.type(), event.score());
                writer.write(json, event);
            }
            json.writeEndArray();
        });
        record.complete();
    }

    /** The same filters over the generated events, written as they are made: the answer is never held in memory. */
    private void streamGenerated(ApiExchange api, long from, String status, String accountId) throws IOException {
        api.stream(json -> {
            json.writeStartArray();
            for (Iterator<SecurityEvent> events = generatedEvents.iterator(); events.hasNext(); ) {
                SecurityEvent event = events.next();
                if (event.lastUpdateTime() >= from
                        && (status == null || event.status().equalsIgnoreCase(status))
                        && (accountId == null || event.account().accountId().equals(accountId))) {
                    writer.write(json, event);
                }
            }
            json.writeEndArray();
        });
    }

    /** PTA promises no order and has been seen answering newest first: never oldest first, so no client relies on it. */
    private void unsort(List<SecurityEvent> events) {
        Collections.shuffle(events, order);
        boolean ascending = true;
        for (int i = 1; i < events.size() && ascending; i++) {
            ascending = events.get(i - 1).lastUpdateTime() <= events.get(i).lastUpdateTime();
        }
        if (ascending) {
            Collections.reverse(events);
        }
    }

    private void patchSecurityEvent(ApiExchange api, String id) throws IOException {
        JsonNode body = api.jsonBody();
        String status = requiredEnumField(body, "mStatus", STATUSES);
        String closeReason = enumField(body, "closeReason", CLOSE_REASONS);
        String reasonText = reasonText(body);
        SecurityEvent updated = securityEvents.changeStatus(id, status, closeReason, reasonText)
                .orElseThrow(() -> ApiError.notFound("Security event [" + id + "] does not exist."));
        api.send(200, json -> writer.write(json, updated));
    }

    private void riskEvents(ApiExchange api, AnswerRecord record) throws IOException {
        int page = intParameter(api, "page", 0);
        int size = intParameter(api, "size", DEFAULT_PAGE_SIZE);
        if (page < 0) {
            throw ApiError.invalidParameter("page must be 0 or more");
        }
        if (size < 1 || size > MAX_PAGE_SIZE) {
            throw ApiError.invalidParameter("size must be between 1 and " + MAX_PAGE_SIZE);
        }
        String filterText = api.query("filter");
        RiskFilter filter = RiskFilter.parse(filterText);
        if (filterText != null && !filter.applied()) {
            LOG.debug("ignoring risk filter it cannot read: {}", filterText);
        }
        List<RiskEvent> matching = riskEvents.matching(filter);
        int total = matching.size();
        int totalPages = (int) ((total + (long) size - 1) / size);
        long first = (long) page * size;
        List<RiskEvent> entities = first >= total
                ? List.of()
                : matching.subList((int) first, (int) Math.min(total, first + size));
        String sort = api.query("sort");
        for (RiskEvent entity : entities) {
            // The score as a client parses it from the JSON the float is written as.
            record.add(entity.id(), entity.detectionTime(), entity.riskType(),
                    Double.parseDouble(Float.toString(entity.score())));
        }
        api.send(200, json -> {
            json.writeStartObject();
            json.writeArrayFieldStart("entities");
            for (RiskEvent entity : entities) {
                entity.write(json);
            }
            json.writeEndArray();
            json.writeNumberField("totalEntities", total);
            json.writeStringField("filter", filterText);
            json.writeStringField("sort", sort);
            json.writeNumberField("page", page);
            json.writeNumberField("size", size);
            json.writeNumberField("totalPages", totalPages);
            json.writeEndObject();
        });
        record.complete();
    }

    private void patchRiskEvent(ApiExchange api, String id) throws IOException {
        JsonNode body = api.jsonBody();
        String status = requiredEnumField(body, "status", STATUSES);
        String closeReason = enumField(body, "closeReason", CLOSE_REASONS);
        String reasonText = reasonText(body);
        RiskEvent updated = riskEvents.changeStatus(id, status, closeReason, reasonText)
                .orElseThrow(() -> ApiError.notFound("Risk event [" + id + "] does not exist."));
        api.send(200, updated::write);
    }

    /**
     * Collects one answer's event versions while it is written and files it when done, in {@code answers} (null: not
     * recorded). An answer that failed is filed too, incomplete: it still shows the client made the call.
     */
    private static final class AnswerRecord {

        private final long request;
        private final int session;
        private final String stream;
        private final List<ServedAnswer> answers;
        private final List<ServedAnswer.Event> events = new ArrayList<>();
        private Long since;
        private boolean complete;

        private final String client;
        private final long startedNanos = System.nanoTime();

        AnswerRecord(long request, int session, String stream, List<ServedAnswer> answers, String client) {
            this.client = client;
            this.request = request;
            this.session = session;
            this.stream = stream;
            this.answers = answers;
        }

        void since(Long lowerBound) {
            since = lowerBound;
        }

        void add(String id, long version, String type, Double score) {
            if (answers != null) {
                events.add(new ServedAnswer.Event(id, version, type, score));
            }
        }

        void complete() {
            complete = true;
        }

        void close() {
            if (answers != null) {
                synchronized (answers) {
                    answers.add(new ServedAnswer(request, session, stream, since, complete, events, client, startedNanos,
                            System.nanoTime()));
                }
            }
        }
    }

    private static void requireMethod(ApiExchange api, String method) {
        if (!api.method().equals(method)) {
            throw ApiError.methodNotAllowed(api.method());
        }
    }

    private static String enumField(JsonNode body, String name, Set<String> allowed) {
        JsonNode node = body.get(name);
        if (node == null || node.isNull()) {
            return null;
        }
        String value = node.asText().toUpperCase(Locale.ROOT);
        if (!allowed.contains(value)) {
            throw ApiError.invalidParameter(name + " must be one of " + allowed);
        }
        return value;
    }

    /** PTA takes the status as the change itself: a PATCH without it is refused, not applied as nothing. */
    private static String requiredEnumField(JsonNode body, String name, Set<String> allowed) {
        String value = enumField(body, name, allowed);
        if (value == null) {
            throw ApiError.invalidParameter(name + " is required");
        }
        return value;
    }

    private static String reasonText(JsonNode body) {
        JsonNode node = body.get("reasonText");
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isTextual()) {
            throw ApiError.invalidParameter("reasonText must be a string");
        }
        if (node.asText().length() > MAX_REASON_TEXT) {
            throw ApiError.invalidParameter("reasonText must be at most " + MAX_REASON_TEXT + " characters");
        }
        return node.asText();
    }

    private static Long longParameter(String name, String value) {
        if (value == null || value.isBlank()) {
            return null;
        }
        try {
            return Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            throw ApiError.invalidParameter(name + " must be a number of milliseconds since 1970");
        }
    }

    private static int intParameter(ApiExchange api, String name, int fallback) {
        String value = api.query(name);
        if (value == null || value.isBlank()) {
            return fallback;
        }
        try {
            return Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            throw ApiError.invalidParameter(name + " must be a whole number");
        }
    }

    private static void sendQuietly(ApiExchange api, ApiError error) {
        try {
            api.sendError(error);
        } catch (IOException | RuntimeException alreadyAnswered) {
            // Headers already went out (a stream broke) or the client left: closing the exchange is all that is left.
        }
    }
}
