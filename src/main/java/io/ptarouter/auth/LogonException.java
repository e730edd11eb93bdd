package io.ptarouter.auth;

/**
 * Logging on failed. {@link #credentialsRejected()} tells a configuration problem (wrong user,
 * password or method: retrying cannot help and may lock the vault user) from a passing one.
 * Messages never contain a password or a token.
 */
public final class LogonException extends RuntimeException {

    private final boolean credentialsRejected;

    public LogonException(String message, boolean credentialsRejected) {
        super(message);
        this.credentialsRejected = credentialsRejected;
    }

    public LogonException(String message, Throwable cause) {
        super(message, cause);
        this.credentialsRejected = false;
    }

    public boolean credentialsRejected() {
        return credentialsRejected;
    }
}
