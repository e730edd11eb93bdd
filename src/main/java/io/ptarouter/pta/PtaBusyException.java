package io.ptarouter.pta;

/** PTA asked to be left alone for longer than a poll waits (Retry-After): the poll gives up, the next one tries again. */
public final class PtaBusyException extends RuntimeException {

    public PtaBusyException(String message, Throwable cause) {
        super(message, cause);
    }
}
