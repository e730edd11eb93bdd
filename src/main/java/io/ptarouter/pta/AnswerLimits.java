package io.ptarouter.pta;

import com.fasterxml.jackson.core.StreamReadConstraints;

/**
 * How much one PTA answer may hold, so that no answer can exhaust the heap or keep a poll reading
 * forever: one event's size, the whole answer's size (decompressed), and the events one poll reads.
 * Strings, numbers and nesting are bounded by Jackson's {@link StreamReadConstraints} besides.
 *
 * @param maxEventBytes    a security event larger than this is rejected (its bytes are not kept)
 * @param maxAnswerBytes   an answer larger than this, decompressed, fails the poll
 * @param maxEventsPerPoll a poll stops reading after this many events and fails, the watermark unmoved
 */
public record AnswerLimits(int maxEventBytes, long maxAnswerBytes, long maxEventsPerPoll) {

    /** PTA events nest a few levels deep (event, audits, audit, account); far deeper is hostile. */
    static final int MAX_DEPTH = 64;
    /** A number PTA sends (a score, a time in ms) has a few digits. */
    static final int MAX_NUMBER_LENGTH = 100;
    /** A risk events page is parsed whole, as a tree: a page of 1000 risk events is a few MB. */
    static final long MAX_RISK_PAGE_BYTES = 16L << 20;
    /**
     * ...and its tree is bounded by its tokens, not its bytes: 16 MB of "{}," would be 5 million nodes, over
     * 400 MB. A page of 1000 risk events has some 40,000 tokens; 500,000 keep the tree to some 30 MB.
     */
    static final long MAX_RISK_PAGE_TOKENS = 500_000;

    public static final AnswerLimits DEFAULT = new AnswerLimits(1 << 20, 4L << 30, 2_000_000);

    /** The Jackson constraints for an answer of at most {@code documentBytes}. */
    StreamReadConstraints constraints(long documentBytes) {
        return builder(documentBytes).build();
    }

    /** The constraints for a risk events page, parsed whole as a tree. */
    StreamReadConstraints riskPageConstraints() {
        return builder(Math.min(maxAnswerBytes, MAX_RISK_PAGE_BYTES)).maxTokenCount(MAX_RISK_PAGE_TOKENS).build();
    }

    private StreamReadConstraints.Builder builder(long documentBytes) {
        return StreamReadConstraints.builder()
                .maxStringLength(maxEventBytes)
                .maxNumberLength(MAX_NUMBER_LENGTH)
                .maxNestingDepth(MAX_DEPTH)
                .maxDocumentLength(documentBytes);
    }
}
