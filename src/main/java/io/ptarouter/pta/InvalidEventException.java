package io.ptarouter.pta;

/** One event cannot be routed (a required field is missing or unusable); the others go on. */
public final class InvalidEventException extends RuntimeException {

    public InvalidEventException(String message) {
        super(message);
    }
}
