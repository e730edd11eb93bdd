package io.ptarouter.pta;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.util.Arrays;

/**
 * Splits a JSON array, as it streams in, into the bytes of its elements, without parsing them: it
 * follows strings, escapes and brackets only, so that nothing inside an element (a number of a
 * million digits, nesting ten thousand deep) can stop it from finding the next one. Each element is
 * then parsed on its own, within Jackson's limits, and an element that breaks one is rejected while
 * the answer goes on; a Jackson parser of the whole answer cannot go on after such a limit. (Jackson
 * has no way to skip a token it will not read, hence this scanner.)
 *
 * <p>What it holds is one element of at most {@code maxElementBytes}; of a larger one, only its first
 * {@code maxElementBytes} (to name it), while the rest is counted and let go. Whitespace between elements
 * is not kept at all. The bytes outside the elements must be JSON's ({@code [ , ]} and whitespace); what
 * an element holds is checked by its own parse, and an element whose brackets do not match fails that
 * parse, as it cannot be a JSON value.
 */
final class ArrayElements {

    /** What {@link #next} found: an element's first bytes ({@code held} of them), its size and where it starts. */
    record Element(byte[] bytes, int held, long size, long offset) {
        boolean whole() {
            return held == size;
        }
    }

    private static final int CHUNK = 1 << 16;

    private final InputStream in;
    private final int maxElementBytes;
    private final long maxAnswerBytes;
    private final byte[] chunk = new byte[CHUNK];
    private int position;
    private int limit;
    /** The answer's offset of chunk[0]. */
    private long chunkOffset;
    private byte[] element = new byte[CHUNK];
    private int held;
    private long size;
    private long elements;
    /** 0 before the '[', 1 within the array before an element, 2 after an element, 3 after the ']'. */
    private int state;

    ArrayElements(InputStream in, int maxElementBytes, long maxAnswerBytes) {
        this.in = in;
        this.maxElementBytes = maxElementBytes;
        this.maxAnswerBytes = maxAnswerBytes;
    }

    /** The first byte that is not whitespace, not consumed; -1 for an answer of nothing else. */
    int peek() throws IOException {
        return skipWhitespace();
    }

    /** The answer from the next byte on (after {@link #peek}, for an answer that is not an array). */
    InputStream rest() {
        return new SequenceInputStream(new ByteArrayInputStream(chunk, position, limit - position), in);
    }

    /** The answer's offset of the next byte to be read. */
    long offset() {
        return chunkOffset + position;
    }

    /**
     * The next element of the array, or null after its ']' (and nothing but whitespace after that). The bytes are
     * this scanner's own, valid until the next call.
     */
    Element next() throws IOException {
        if (state == 0) {
            if (skipWhitespace() != '[') {
                throw broken("expected a JSON array");
            }
            position++;
            state = 1;
            if (skipWhitespace() == ']') {
                return end();
            }
        } else if (state == 2) {
            int b = skipWhitespace();
            if (b == ']') {
                return end();
            } else if (b != ',') {
                throw broken(b < 0 ? "the answer ends before the array is closed (truncated)"
                        : "expected ',' or ']' after an element but found " + describe(b));
            }
            position++;
        } else if (state == 3) {
            return null;
        }
        int first = skipWhitespace();
        if (first < 0) {
            throw broken("the answer ends before the array is closed (truncated)");
        } else if (first == ']' || first == ',') {
            throw broken("expected an element but found " + describe(first));
        }
        long start = offset();
        held = 0;
        size = 0;
        if (first == '{' || first == '[' || first == '"') {
            value();
        } else {
            scalar();
        }
        state = 2;
        elements++;
        return new Element(element, held, size, start);
    }

    private Element end() throws IOException {
        position++;
        state = 3;
        if (skipWhitespace() >= 0) {
            throw broken("content after the end of the array");
        }
        return null;
    }

    /**
     * A string, an object or an array: up to the quote or bracket that closes it, strings followed so that the
     * brackets and quotes within them do not count.
     */
    private void value() throws IOException {
        int depth = 0;
        boolean inString = false;
        boolean escaped = false;
        while (true) {
            if (position == limit && !fill()) {
                throw broken("the answer ends before the array is closed (truncated)");
            }
            int from = position;
            boolean closed = false;
            for (; position < limit && !closed; position++) {
                byte b = chunk[position];
                if (inString) {
                    if (escaped) {
                        escaped = false;
                    } else if (b == '\\') {
                        escaped = true;
                    } else if (b == '"') {
                        inString = false;
                        closed = depth == 0;
                    }
                } else if (b == '"') {
                    inString = true;
                } else if (b == '{' || b == '[') {
                    depth++;
                } else if (b == '}' || b == ']') {
                    closed = --depth == 0;
                }
            }
            keep(from);
            if (closed) {
                return;
            }
        }
    }

    /** A number, true, false or null (or something else, which its parse names): up to the next delimiter. */
    private void scalar() throws IOException {
        while (true) {
            if (position == limit && !fill()) {
                return;
            }
            int from = position;
            boolean closed = false;
            for (; position < limit; position++) {
                byte b = chunk[position];
                if (b == ',' || b == ']' || b == ' ' || b == '\n' || b == '\r' || b == '\t') {
                    closed = true;
                    break;
                }
            }
            keep(from);
            if (closed) {
                return;
            }
        }
    }

    /** Adds chunk[from, position) to the element: all of it while the element is within its limit, then only its size. */
    private void keep(int from) {
        int count = position - from;
        size += count;
        int room = maxElementBytes - held;
        int kept = Math.min(count, room);
        if (kept > 0) {
            if (held + kept > element.length) {
                element = Arrays.copyOf(element, (int) Math.min(maxElementBytes, Math.max(2L * element.length, held + kept)));
            }
            System.arraycopy(chunk, from, element, held, kept);
            held += kept;
        }
    }

    /** The next byte that is not JSON whitespace, not consumed, or -1 at the end. */
    private int skipWhitespace() throws IOException {
        while (true) {
            for (; position < limit; position++) {
                byte b = chunk[position];
                if (b != ' ' && b != '\n' && b != '\r' && b != '\t') {
                    return b & 0xff;
                }
            }
            if (!fill()) {
                return -1;
            }
        }
    }

    private boolean fill() throws IOException {
        chunkOffset += limit;
        position = 0;
        limit = 0;
        int read = in.read(chunk, 0, CHUNK);
        while (read == 0) {
            read = in.read(chunk, 0, CHUNK);
        }
        if (read < 0) {
            return false;
        }
        limit = read;
        if (chunkOffset == 0 && limit >= 3 && chunk[0] == (byte) 0xEF && chunk[1] == (byte) 0xBB && chunk[2] == (byte) 0xBF) {
            position = 3; // a UTF-8 byte order mark, which JSON parsers skip
        }
        if (chunkOffset + limit > maxAnswerBytes) {
            throw new MalformedResponseException("PTA security events answer is over a limit: it is longer than "
                    + "pta.events.max-answer-size (" + maxAnswerBytes + " bytes)");
        }
        return true;
    }

    private MalformedResponseException broken(String problem) {
        return new MalformedResponseException("PTA security events answer is malformed at byte " + offset() + " after "
                + elements + " events: " + problem);
    }

    private static String describe(int b) {
        return b < 0 ? "the end of the answer" : b >= 0x20 && b < 0x7f ? "'" + (char) b + "'" : "byte 0x" + Integer.toHexString(b);
    }
}
