package io.ptarouter.update;

/** A request to change an event that pta-router refuses before PTA sees it; the message says what is wrong. */
public final class InvalidUpdateException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    InvalidUpdateException(String message) {
        super(message, null, false, false);
    }
}
