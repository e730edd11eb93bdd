package io.ptarouter.pta;

/**
 * A poll stopped reading PTA's answer before its end (a bound was hit, or the answer's deadline
 * passed): what was read is delivered and recorded, the poll fails, and the watermark stays.
 */
public final class IncompleteAnswerException extends RuntimeException {

    public IncompleteAnswerException(String message) {
        super(message);
    }

    public IncompleteAnswerException(String message, Throwable cause) {
        super(message, cause);
    }
}
