package io.ptarouter.transport;

import java.io.IOException;

/**
 * A peer did not send its whole answer within the deadline. Not a socket failure: a PTA call that
 * ends so is not retried (a peer that slow would only be waited for again), the poll fails.
 */
public final class AnswerTimeoutException extends IOException {

    public AnswerTimeoutException(String message) {
        super(message);
    }
}
