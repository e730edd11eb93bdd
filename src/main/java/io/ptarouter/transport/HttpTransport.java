package io.ptarouter.transport;

import java.net.URI;
import java.time.Duration;
import java.util.Optional;

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
import org.apache.hc.core5.http.HttpHost;
import org.apache.hc.core5.reactor.ssl.SSLBufferMode;
import org.apache.hc.core5.util.Timeout;

import io.ptarouter.transport.TlsTrust.TrustSettings;

/**
 * One HTTP client set-up for one peer (the PVWA, or the webhook receiver): TLS trust, proxy,
 * timeouts and a connection pool. Camel's http endpoints take it as {@code httpClientConfigurer},
 * and Java code that talks to the same peer (the logon) builds its client from it, so both go
 * through the same trust decisions and the same proxy.
 */
public final class HttpTransport implements HttpClientConfigurer, AutoCloseable {

    private final String name;
    private final PoolingHttpClientConnectionManager connections;
    private final RequestConfig requestConfig;
    private final HttpHost proxy;
    private final BasicCredentialsProvider proxyCredentials;
    /** The deadline for a whole answer; null: none beyond the per-read timeout. */
    private final AnswerDeadline answerDeadline;
    /** The User-Agent of the requests (null: HttpClient's own). */
    private volatile String userAgent;

    public HttpTransport(String name, TransportSettings settings) {
        this(name, settings, null, null);
    }

    /** With a deadline for each whole answer, named by {@code timeoutSetting} in the error when it passes. */
    public HttpTransport(String name, TransportSettings settings, Duration answerTimeout, String timeoutSetting) {
        this.name = name;
        this.answerDeadline = answerTimeout == null ? null : new AnswerDeadline(answerTimeout, timeoutSetting);
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

    /** Sets the User-Agent of the clients configured from now on. */
    public void userAgent(String agent) {
        this.userAgent = agent;
    }

    @Override
    public void configureHttpClient(HttpClientBuilder builder) {
        if (userAgent != null) {
            builder.setUserAgent(userAgent);
        }
        builder.setConnectionManager(connections)
                .setConnectionManagerShared(true)
                .setDefaultRequestConfig(requestConfig)
                .disableCookieManagement()
                // The routes decide what is retried. HttpClient's own retries would add hidden attempts
                // (a 503 or 429 once more, after as long as Retry-After says, an hour if it says so).
                .disableAutomaticRetries()
                // A redirect would carry the logon's password, the token or a webhook's secret header to
                // wherever the Location points: a 3xx answer is returned to the caller, who reports it.
                .disableRedirectHandling();
        if (answerDeadline != null) {
            builder.addExecInterceptorFirst(AnswerDeadline.NAME, answerDeadline);
        }
        if (proxy != null) {
            builder.setProxy(proxy);
            if (proxyCredentials != null) {
                builder.setDefaultCredentialsProvider(proxyCredentials);
            }
        }
    }

    /** A client for Java code that talks to the same peer; closing it leaves the shared pool open. */
    public CloseableHttpClient newClient() {
        HttpClientBuilder builder = HttpClientBuilder.create();
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
        TlsTrust trust = TlsTrust.of(name, settings.trust());
        if (!trust.verifiesHostNames()) {
            return new DefaultClientTlsStrategy(trust.context(), null, null, SSLBufferMode.STATIC,
                    HostnameVerificationPolicy.CLIENT, NoopHostnameVerifier.INSTANCE);
        }
        // The system default also honours https.protocols and https.cipherSuites.
        return trust.isJvmDefault()
                ? DefaultClientTlsStrategy.createSystemDefault()
                : new DefaultClientTlsStrategy(trust.context());
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

    /** What a transport is built from; the keys in {@code trust} are kept to name them in errors. */
    public record TransportSettings(
            TrustSettings trust,
            Optional<URI> proxy, Optional<String> proxyUsername, String proxyPassword,
            Duration connectTimeout, Duration readTimeout, int maxConnections) {

        /** Without the proxy password, should this ever be logged. */
        @Override
        public String toString() {
            return "TransportSettings[trust=" + trust + ", proxy=" + proxy + ", proxyUsername=" + proxyUsername
                   + ", connectTimeout=" + connectTimeout + ", readTimeout=" + readTimeout
                   + ", maxConnections=" + maxConnections + "]";
        }
    }
}
