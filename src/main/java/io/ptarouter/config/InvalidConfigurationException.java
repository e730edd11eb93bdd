package io.ptarouter.config;

/**
 * A setting is missing or has a value pta-router cannot use. The message always names the key
 * and never contains the value of a secret.
 */
public final class InvalidConfigurationException extends RuntimeException {

    public InvalidConfigurationException(String key, String problem) {
        super("Invalid configuration '" + key + "': " + problem);
    }
}
