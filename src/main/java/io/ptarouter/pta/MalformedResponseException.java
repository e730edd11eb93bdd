package io.ptarouter.pta;

/** PTA answered something that is not the JSON the contract describes; the poll fails and is retried. */
public final class MalformedResponseException extends RuntimeException {

    public MalformedResponseException(String message) {
        super(message);
    }

    public MalformedResponseException(String message, Throwable cause) {
        super(message, cause);
    }
}
