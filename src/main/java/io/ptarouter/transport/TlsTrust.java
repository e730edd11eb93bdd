package io.ptarouter.transport;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.Collection;
import java.util.Optional;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocketFactory;

import org.apache.hc.client5.http.ssl.TrustAllStrategy;
import org.apache.hc.core5.ssl.SSLContexts;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.ptarouter.config.InvalidConfigurationException;

/**
 * Which certificates a TLS peer may show: those signed by the JVM's CAs, by the CAs in a PEM file
 * or in a truststore, or, when verification is switched off (logged loudly), any certificate for
 * any host name. One decision for every client pta-router opens: HTTP (the PVWA, the webhook) and SMTP.
 */
public final class TlsTrust {

    private static final Logger LOG = LoggerFactory.getLogger(TlsTrust.class);

    private final SSLContext context;
    private final boolean verifiesHostNames;
    private final boolean jvmDefault;

    private TlsTrust(SSLContext context, boolean verifiesHostNames, boolean jvmDefault) {
        this.context = context;
        this.verifiesHostNames = verifiesHostNames;
        this.jvmDefault = jvmDefault;
    }

    /**
     * The trust for {@code peer} (named in the warning when verification is off). A CA file wins over
     * a truststore; with neither, the JVM's CAs. A file that cannot be read fails naming its key.
     */
    public static TlsTrust of(String peer, TrustSettings settings) {
        if (!settings.verify()) {
            LOG.warn("TLS certificate verification for {} is OFF ({}=false): any certificate is trusted and "
                     + "host names are not checked. Use a truststore or CA file instead in production.",
                    peer, settings.verifyKey());
            return new TlsTrust(trustAll(), false, false);
        }
        return settings.caFile().map(file -> fromCaFile(settings.caFileKey(), file))
                .or(() -> settings.truststore().map(file -> fromTruststore(settings, file)))
                .map(context -> new TlsTrust(context, true, false))
                .orElseGet(() -> new TlsTrust(SSLContexts.createSystemDefault(), true, true));
    }

    public SSLContext context() {
        return context;
    }

    public SSLSocketFactory socketFactory() {
        return context.getSocketFactory();
    }

    /** False only when verification is off: then a certificate for another host is accepted too. */
    public boolean verifiesHostNames() {
        return verifiesHostNames;
    }

    /** The JVM's own CAs ({@code javax.net.ssl.trustStore} or the cacerts file). */
    public boolean isJvmDefault() {
        return jvmDefault;
    }

    private static SSLContext trustAll() {
        try {
            return SSLContexts.custom().loadTrustMaterial(TrustAllStrategy.INSTANCE).build();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("Cannot create a trust-all TLS context", e);
        }
    }

    private static SSLContext fromCaFile(String key, Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            Collection<? extends Certificate> certificates = CertificateFactory.getInstance("X.509").generateCertificates(in);
            if (certificates.isEmpty()) {
                throw new InvalidConfigurationException(key, "no PEM certificate found in " + file);
            }
            KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
            store.load(null, null);
            int n = 0;
            for (Certificate certificate : certificates) {
                store.setCertificateEntry("ca-" + n++, certificate);
            }
            return SSLContexts.custom().loadTrustMaterial(store, null).build();
        } catch (IOException | GeneralSecurityException e) {
            throw new InvalidConfigurationException(key, "cannot read CA certificates from " + file + ": " + e.getMessage());
        }
    }

    private static SSLContext fromTruststore(TrustSettings settings, Path file) {
        try {
            return SSLContexts.custom()
                    .loadTrustMaterial(file.toFile(), settings.truststorePassword().toCharArray())
                    .build();
        } catch (IOException | GeneralSecurityException e) {
            // The JDK's messages do not contain the password; they say "keystore password was incorrect".
            throw new InvalidConfigurationException(settings.truststoreKey(),
                    "cannot load truststore " + file + ": " + e.getMessage());
        }
    }

    /** What the trust is built from; the keys are kept to name them in errors and in the warning. */
    public record TrustSettings(
            boolean verify, String verifyKey,
            Optional<Path> caFile, String caFileKey,
            Optional<Path> truststore, String truststorePassword, String truststoreKey) {

        @Override
        public String toString() {
            return "TrustSettings[" + verifyKey + "=" + verify + ", " + caFileKey + "=" + caFile.orElse(null)
                   + ", " + truststoreKey + "=" + truststore.orElse(null) + "]"; // never the password
        }
    }
}
