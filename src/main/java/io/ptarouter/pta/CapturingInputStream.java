package io.ptarouter.pta;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Keeps the bytes a parser reads, from the start of the element being parsed on, so that the
 * element's text can be taken as it arrived: the parser reports where an element starts and ends
 * (byte offsets from the start of the stream), and {@link #release} lets go of what came before.
 * What it holds is the element being parsed plus the parser's read-ahead buffer, and never much
 * more than {@code maxHeld}: an element larger than that loses its text (the reader rejects it by
 * its size), instead of a buffer the size of the element.
 */
final class CapturingInputStream extends FilterInputStream {

    private byte[] bytes = new byte[1 << 16];
    /** The stream offset of bytes[0], how many bytes are held, and the offset before which they may go. */
    private long base;
    private int length;
    private long releasedBefore;
    private final int maxHeld;

    CapturingInputStream(InputStream in, int maxHeld) {
        super(in);
        this.maxHeld = maxHeld;
    }

    @Override
    public int read() throws IOException {
        int b = in.read();
        if (b >= 0) {
            keep(new byte[] {(byte) b}, 0, 1);
        }
        return b;
    }

    @Override
    public int read(byte[] buffer, int offset, int count) throws IOException {
        int read = in.read(buffer, offset, count);
        if (read > 0) {
            keep(buffer, offset, read);
        }
        return read;
    }

    @Override
    public long skip(long count) throws IOException {
        // Skipped bytes are not kept: an element that spans them has no text.
        release(Long.MAX_VALUE);
        long skipped = in.skip(count);
        base += length + skipped;
        length = 0;
        return skipped;
    }

    @Override
    public boolean markSupported() {
        return false;
    }

    /** The UTF-8 text between two stream offsets, or null if those bytes are no longer (or not yet) held. */
    String text(long start, long end) {
        if (start < base || end > base + length || start > end) {
            return null;
        }
        return new String(bytes, (int) (start - base), (int) (end - start), StandardCharsets.UTF_8);
    }

    /** The bytes before {@code offset} are not needed any more. */
    void release(long offset) {
        releasedBefore = Math.max(releasedBefore, offset);
    }

    private void keep(byte[] buffer, int offset, int count) {
        if (length + count > bytes.length) {
            int drop = (int) Math.min(length, Math.max(0, releasedBefore - base));
            System.arraycopy(bytes, drop, bytes, 0, length - drop);
            base += drop;
            length -= drop;
            if (length + count > maxHeld) {
                // The element under way is too large to keep: let go of it, keep what comes from here on.
                base += length;
                length = 0;
            }
            if (length + count > bytes.length) {
                bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, length + count));
            }
        }
        System.arraycopy(buffer, offset, bytes, length, count);
        length += count;
    }
}
