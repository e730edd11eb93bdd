package io.ptarouter.simulator;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The {@code filter} of the risk events API: clauses such as {@code status eq "OPEN"}, {@code type eq "X"} or
 * {@code detectionTime gte "<ms>"} joined by AND. A filter it cannot fully read is ignored as a whole, as an older
 * server ignores what it does not know, so clients must not rely on the filter having been applied.
 */
final class RiskFilter implements Predicate<RiskEvent> {

    private static final Pattern AND = Pattern.compile("\\s+AND\\s+", Pattern.CASE_INSENSITIVE);
    private static final Pattern CLAUSE = Pattern.compile(
            "^\\s*(\\w+)\\s+(eq|gt|gte|lt|lte)\\s+(?:\"([^\"]*)\"|'([^']*)'|(\\S+))\\s*$", Pattern.CASE_INSENSITIVE);

    private final Predicate<RiskEvent> predicate;
    private final boolean applied;

    private RiskFilter(Predicate<RiskEvent> predicate, boolean applied) {
        this.predicate = predicate;
        this.applied = applied;
    }

    static RiskFilter parse(String filter) {
        if (filter == null || filter.isBlank()) {
            return new RiskFilter(event -> true, false);
        }
        List<Predicate<RiskEvent>> clauses = new ArrayList<>();
        for (String clause : AND.split(filter.trim())) {
            Predicate<RiskEvent> parsed = clause(clause);
            if (parsed == null) {
                return new RiskFilter(event -> true, false);
            }
            clauses.add(parsed);
        }
        return new RiskFilter(clauses.stream().reduce(event -> true, Predicate::and), true);
    }

    /** Whether the filter was understood and applied, rather than ignored. */
    boolean applied() {
        return applied;
    }

    @Override
    public boolean test(RiskEvent event) {
        return predicate.test(event);
    }

    private static Predicate<RiskEvent> clause(String text) {
        Matcher matcher = CLAUSE.matcher(text);
        if (!matcher.matches()) {
            return null;
        }
        String field = matcher.group(1).toLowerCase(Locale.ROOT);
        String operator = matcher.group(2).toLowerCase(Locale.ROOT);
        String value = matcher.group(3) != null ? matcher.group(3)
                : matcher.group(4) != null ? matcher.group(4) : matcher.group(5);
        return switch (field) {
            case "status", "mstatus" -> operator.equals("eq") ? event -> event.status().equalsIgnoreCase(value) : null;
            case "type", "risktype" -> operator.equals("eq") ? event -> event.riskType().equalsIgnoreCase(value) : null;
            case "detectiontime" -> timeClause(operator, value);
            default -> null;
        };
    }

    private static Predicate<RiskEvent> timeClause(String operator, String value) {
        long bound;
        try {
            bound = Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            return null;
        }
        return switch (operator) {
            case "eq" -> event -> event.detectionTime() == bound;
            case "gt" -> event -> event.detectionTime() > bound;
            case "gte" -> event -> event.detectionTime() >= bound;
            case "lt" -> event -> event.detectionTime() < bound;
            default -> event -> event.detectionTime() <= bound;
        };
    }
}
