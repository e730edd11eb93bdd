package io.ptarouter.transport;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.Collection;
import java.util.Optional;

import javax.net.ssl.SSLContext;

import org.apache.camel.component.http.HttpClientConfigurer;
import org.apache.hc.client5.http.auth.AuthScope;
import org.apache.hc.client5.http.auth.UsernamePasswordCredentials;
import org.apache.hc.client5.http.config.ConnectionConfig;
import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.client5.http.impl.auth.BasicCredentialsProvider;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClientBuilder;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManager;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManagerBuilder;
import org.apache.hc.client5.http.ssl.DefaultClientTlsStrategy;
import org.apache.hc.client5.http.ssl.HostnameVerificationPolicy;
import org.apache.hc.client5.http.ssl.NoopHostnameVerifier;
import org.apache.hc.client5.http.ssl.TrustAllStrategy;
import org.apache.hc.core5.http.HttpHost;
import org.apache.hc.core5.reactor.ssl.SSLBufferMode;
import org.apache.hc.core5.ssl.SSLContexts;
import org.apache.hc.core5.util.Timeout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.ptarouter.config.InvalidConfigurationException;

/**
 * One HTTP client set-up for one peer (the PVWA, or the webhook receiver): TLS trust, proxy,
 * timeouts and a connection pool. Camel's http endpoints take it as {@code httpClientConfigurer},
 * and Java code that talks to the same peer (the logon) builds its client from it, so both go
 * through the same trust decisions and the same proxy.
 */
public final class HttpTransport implements HttpClientConfigurer, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(HttpTransport.class);

    private final String name;
    private final PoolingHttpClientConnectionManager connections;
    private final RequestConfig requestConfig;
    private final HttpHost proxy;
    private final BasicCredentialsProvider proxyCredentials;

    public HttpTransport(String name, TransportSettings settings) {
        this.name = name;
        this.connections = PoolingHttpClientConnectionManagerBuilder.create()
                .setTlsSocketStrategy(tlsStrategy(settings))
                .setDefaultConnectionConfig(ConnectionConfig.custom()
                        .setConnectTimeout(Timeout.of(settings.connectTimeout()))
                        .setSocketTimeout(Timeout.of(settings.readTimeout()))
                        .build())
                .setMaxConnTotal(settings.maxConnections())
                .setMaxConnPerRoute(settings.maxConnections())
                .build();
        this.requestConfig = RequestConfig.custom()
                .setConnectionRequestTimeout(Timeout.of(settings.connectTimeout()))
                .setResponseTimeout(Timeout.of(settings.readTimeout()))
                .build();
        this.proxy = settings.proxy().map(HttpTransport::proxyHost).orElse(null);
        this.proxyCredentials = proxyCredentials(proxy, settings);
    }

    @Override
    public void configureHttpClient(HttpClientBuilder builder) {
        builder.setConnectionManager(connections)
                .setConnectionManagerShared(true)
                .setDefaultRequestConfig(requestConfig)
                .disableCookieManagement();
        if (proxy != null) {
            builder.setProxy(proxy);
            if (proxyCredentials != null) {
                builder.setDefaultCredentialsProvider(proxyCredentials);
            }
        }
    }

    /** A client for Java code that talks to the same peer; closing it leaves the shared pool open. */
    public CloseableHttpClient newClient() {
        HttpClientBuilder builder = HttpClientBuilder.create().disableAutomaticRetries();
        configureHttpClient(builder);
        return builder.build();
    }

    /**
     * Closes the pool. Deliberately not a Camel Service: an http endpoint stops a configurer that
     * is one, and this transport outlives every endpoint (the logoff at shutdown still needs it).
     */
    @Override
    public void close() {
        connections.close();
    }

    private DefaultClientTlsStrategy tlsStrategy(TransportSettings settings) {
        if (!settings.verifyTls()) {
            LOG.warn("TLS certificate verification for {} is OFF ({}=false): any certificate is trusted and "
                     + "host names are not checked. Use a truststore or CA file instead in production.",
                    name, settings.verifyKey());
            return new DefaultClientTlsStrategy(trustAll(), null, null, SSLBufferMode.STATIC,
                    HostnameVerificationPolicy.CLIENT, NoopHostnameVerifier.INSTANCE);
        }
        Optional<SSLContext> custom = settings.caFile().map(file -> fromCaFile(settings.caFileKey(), file))
                .or(() -> settings.truststore().map(file -> fromTruststore(settings, file)));
        return custom.map(DefaultClientTlsStrategy::new).orElseGet(DefaultClientTlsStrategy::createSystemDefault);
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

    private static SSLContext fromTruststore(TransportSettings settings, Path file) {
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

    private static HttpHost proxyHost(URI uri) {
        return new HttpHost(uri.getScheme(), uri.getHost(), uri.getPort() < 0 ? 3128 : uri.getPort());
    }

    private static BasicCredentialsProvider proxyCredentials(HttpHost proxy, TransportSettings settings) {
        if (proxy == null || settings.proxyUsername().isEmpty()) {
            return null;
        }
        BasicCredentialsProvider provider = new BasicCredentialsProvider();
        provider.setCredentials(new AuthScope(proxy),
                new UsernamePasswordCredentials(settings.proxyUsername().get(), settings.proxyPassword().toCharArray()));
        return provider;
    }

    @Override
    public String toString() {
        return "HttpTransport[" + name + "]";
    }

    /** What a transport is built from; the keys are kept to name them in errors. */
    public record TransportSettings(
            boolean verifyTls, String verifyKey,
            Optional<Path> caFile, String caFileKey,
            Optional<Path> truststore, String truststorePassword, String truststoreKey,
            Optional<URI> proxy, Optional<String> proxyUsername, String proxyPassword,
            Duration connectTimeout, Duration readTimeout, int maxConnections) {
    }
}
