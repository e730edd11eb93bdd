package io.ptarouter.routing;

/**
 * Score bands (PTA has no official ones; peers use 0-35 low, 35-75 medium, 75-100 high):
 * {@code low < mediumFrom <= medium < highFrom <= high}. An event without a score gets the
 * configured severity for missing scores.
 */
public record SeverityBands(double mediumFrom, double highFrom, String missingScore) {

    public static final String LOW = "low";
    public static final String MEDIUM = "medium";
    public static final String HIGH = "high";
    public static final String UNKNOWN = "unknown";

    public SeverityBands {
        if (mediumFrom > highFrom) {
            throw new IllegalArgumentException("the medium band must start at or below the high band");
        }
    }

    public String severity(Double score) {
        if (score == null) {
            return missingScore;
        }
        if (score >= highFrom) {
            return HIGH;
        }
        return score >= mediumFrom ? MEDIUM : LOW;
    }
}
