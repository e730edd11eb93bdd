package io.ptarouter.auth;

/** Gives the value of the {@code Authorization} header for PTA calls. */
public interface TokenProvider {

    /** The header value for the next call; logs on only when no usable token is cached. */
    String authorization();

    /**
     * PTA refused {@code rejected} (401/403): forget it, unless another caller already replaced it,
     * and return a fresh header value.
     */
    String renew(String rejected);
}
