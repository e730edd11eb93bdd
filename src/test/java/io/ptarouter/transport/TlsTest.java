package io.ptarouter.transport;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;

import javax.net.ssl.SSLException;
import javax.net.ssl.SSLPeerUnverifiedException;

import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.github.tomakehurst.wiremock.WireMockServer;

import io.ptarouter.testing.Keytool;
import io.ptarouter.auth.LogonException;
import io.ptarouter.auth.TokenProvider;
import io.ptarouter.config.PtaRouterConfiguration;

/**
 * How pta-router trusts the PVWA's certificate (the JVM's CAs, a PEM CA file, a truststore, or
 * nothing at all when told so) and that it goes through the configured HTTP proxy. Real TLS on
 * loopback, with certificates made by the JDK's keytool for this run.
 */
class TlsTest {

    private static final String STORE_PASSWORD = "store-pass-1";
    private static final String TRUSTSTORE_PASSWORD = "trust-pass-2";
    private static final String TOKEN = "tls-token-42";

    @TempDir
    static Path certs;

    /** HTTPS with a certificate for 127.0.0.1. */
    private static WireMockServer pvwa;
    /** HTTPS with a certificate for other.example, reached as 127.0.0.1. */
    private static WireMockServer otherHost;
    /** Plain HTTP PVWA behind the proxy. */
    private static WireMockServer plainPvwa;
    private static WireMockServer proxy;

    @BeforeAll
    static void certificatesAndServers() throws Exception {
        Keytool.run("-genkeypair", "-alias", "pvwa", "-keyalg", "RSA", "-keysize", "2048", "-validity", "2",
                "-dname", "CN=127.0.0.1", "-ext", "san=ip:127.0.0.1",
                "-keystore", file("pvwa.p12"), "-storetype", "PKCS12", "-storepass", STORE_PASSWORD, "-keypass", STORE_PASSWORD);
        Keytool.run("-exportcert", "-rfc", "-alias", "pvwa", "-keystore", file("pvwa.p12"), "-storetype", "PKCS12",
                "-storepass", STORE_PASSWORD, "-file", file("pvwa.pem"));
        Keytool.run("-genkeypair", "-alias", "other", "-keyalg", "RSA", "-keysize", "2048", "-validity", "2",
                "-dname", "CN=other.example", "-ext", "san=dns:other.example",
                "-keystore", file("other.p12"), "-storetype", "PKCS12", "-storepass", STORE_PASSWORD, "-keypass", STORE_PASSWORD);
        Keytool.run("-exportcert", "-rfc", "-alias", "other", "-keystore", file("other.p12"), "-storetype", "PKCS12",
                "-storepass", STORE_PASSWORD, "-file", file("other.pem"));
        Keytool.run("-importcert", "-noprompt", "-alias", "pvwa-ca", "-file", file("pvwa.pem"),
                "-keystore", file("truststore.p12"), "-storetype", "PKCS12", "-storepass", TRUSTSTORE_PASSWORD);

        pvwa = https("pvwa.p12");
        otherHost = https("other.p12");
        plainPvwa = new WireMockServer(wireMockConfig().dynamicPort().bindAddress("127.0.0.1"));
        plainPvwa.start();
        proxy = new WireMockServer(wireMockConfig().dynamicPort().bindAddress("127.0.0.1").enableBrowserProxying(true));
        proxy.start();
    }

    @AfterAll
    static void stopServers() {
        for (WireMockServer server : new WireMockServer[] {pvwa, otherHost, plainPvwa, proxy}) {
            if (server != null) {
                server.stop();
            }
        }
    }

    @BeforeEach
    void stubs() {
        for (WireMockServer server : new WireMockServer[] {pvwa, otherHost, plainPvwa}) {
            server.resetAll();
            server.stubFor(post(urlPathMatching("/PasswordVault/API/auth/[A-Za-z]+/Logon")).willReturn(okJson("\"" + TOKEN + "\"")));
            server.stubFor(post(urlPathEqualTo("/PasswordVault/API/Auth/Logoff")).willReturn(okJson("{}")));
            server.stubFor(get(urlPathEqualTo("/PasswordVault/API/pta/API/Events/"))
                    .willReturn(aResponse().withStatus(200).withHeader("Content-Type", "application/json").withBody("[]")));
        }
        proxy.resetRequests();
    }

    @Test
    void withTheJvmsCasTheSelfSignedPvwaIsNotTrusted() throws Exception {
        assertThatThrownBy(() -> logon(pvwa, Map.of()))
                .isInstanceOf(LogonException.class)
                .hasCauseInstanceOf(SSLException.class);
        assertThat(pvwa.getAllServeEvents()).as("requests that got through").isEmpty();
    }

    @Test
    void withThePvwaCaFileTheLogonSucceeds() throws Exception {
        assertThat(logon(pvwa, Map.of("pta.tls.ca-file", file("pvwa.pem")))).isEqualTo(TOKEN);
    }

    @Test
    void withATruststoreHoldingThePvwaCaTheLogonSucceeds() throws Exception {
        assertThat(logon(pvwa, Map.of("pta.tls.truststore", file("truststore.p12"),
                "pta.tls.truststore-password", TRUSTSTORE_PASSWORD))).isEqualTo(TOKEN);
    }

    @Test
    void aTrustedCertificateForAnotherHostNameIsRefused() throws Exception {
        assertThatThrownBy(() -> logon(otherHost, Map.of("pta.tls.ca-file", file("other.pem"))))
                .isInstanceOf(LogonException.class)
                // trusted, so the handshake passes; the host name check is what refuses it
                .hasCauseInstanceOf(SSLPeerUnverifiedException.class)
                .hasMessageContaining("127.0.0.1");
        assertThat(otherHost.getAllServeEvents()).isEmpty();
    }

    @Test
    void withVerificationOffAnyCertificateIsAccepted() throws Exception {
        assertThat(logon(otherHost, Map.of("pta.tls.verify", "false"))).isEqualTo(TOKEN);
        assertThat(logon(pvwa, Map.of("pta.tls.verify", "false"))).isEqualTo(TOKEN);
    }

    @Test
    void ptaCallsMadeByTheRouteTrustTheSameCaFile() throws Exception {
        int status = ptaGet(pvwa, Map.of("pta.tls.ca-file", file("pvwa.pem")));

        assertThat(status).isEqualTo(200);
        assertThat(pvwa.findAll(getRequestedFor(urlPathEqualTo("/PasswordVault/API/pta/API/Events/"))))
                .singleElement().satisfies(r -> assertThat(r.getHeader("Authorization")).isEqualTo(TOKEN));
    }

    @Test
    void theLogonGoesThroughTheConfiguredProxy() throws Exception {
        assertThat(logon(plainPvwa, Map.of("pta.http.proxy", "http://127.0.0.1:" + proxy.port()))).isEqualTo(TOKEN);

        assertThat(proxy.findAll(postRequestedFor(urlPathMatching("/PasswordVault/API/auth/CyberArk/Logon"))))
                .as("logon requests the proxy forwarded").hasSize(1);
        assertThat(plainPvwa.findAll(postRequestedFor(urlPathMatching("/PasswordVault/API/auth/CyberArk/Logon"))))
                .hasSize(1);
    }

    @Test
    void ptaCallsMadeByTheRouteGoThroughTheConfiguredProxy() throws Exception {
        int status = ptaGet(plainPvwa, Map.of("pta.http.proxy", "http://127.0.0.1:" + proxy.port()));

        assertThat(status).isEqualTo(200);
        assertThat(proxy.findAll(getRequestedFor(urlPathEqualTo("/PasswordVault/API/pta/API/Events/"))))
                .as("PTA calls the proxy forwarded").hasSize(1);
    }

    @Test
    void withoutAProxySettingTheProxySeesNothing() throws Exception {
        assertThat(logon(plainPvwa, Map.of())).isEqualTo(TOKEN);

        assertThat(proxy.getAllServeEvents()).isEmpty();
    }

    // ---- helpers ------------------------------------------------------------------------------

    /** Builds the beans from application.properties and {@code settings}, and logs on with them. */
    private static String logon(WireMockServer server, Map<String, String> settings) throws Exception {
        CamelContext context = context(server, settings);
        try {
            return context.getRegistry().lookupByNameAndType("ptaTokens", TokenProvider.class).authorization();
        } finally {
            context.close();
        }
    }

    /** Runs one call through the sources' PTA client route (kamelets/shared/pta-client.camel.yaml, loaded by the configuration); returns the HTTP status. */
    private static int ptaGet(WireMockServer server, Map<String, String> settings) throws Exception {
        CamelContext context = context(server, settings);
        try {
            context.start();
            Exchange answer = context.createProducerTemplate().request("direct:pta-get", e -> {
                e.getMessage().setHeader(Exchange.HTTP_PATH, "/Events/");
                e.getMessage().setHeader(Exchange.HTTP_QUERY, "fromUpdateDate=0");
            });
            assertThat(answer.getException()).as("the PTA call's failure").isNull();
            // the route removes every header on the way back, so the status comes from the peer's log
            return server.getAllServeEvents().stream()
                    .filter(e -> e.getRequest().getUrl().startsWith("/PasswordVault/API/pta/API/Events/"))
                    .findFirst().orElseThrow().getResponse().getStatus();
        } finally {
            context.close();
        }
    }

    private static CamelContext context(WireMockServer server, Map<String, String> settings) throws Exception {
        Map<String, String> all = new HashMap<>();
        // by address: the certificates are for 127.0.0.1 (or other.example), not "localhost"
        all.put("pta.base-url", server.getOptions().getHttpDisabled()
                ? "https://127.0.0.1:" + server.httpsPort() : "http://127.0.0.1:" + server.port());
        all.put("pta.http.allow-plain-http", "true");
        all.put("pta.auth.password", "s3cret");
        all.put("pta.sink.jms.enabled", "false");
        all.putAll(settings);
        Properties properties = new Properties();
        properties.putAll(all);
        CamelContext context = new DefaultCamelContext();
        context.getPropertiesComponent().setLocation("file:application.properties");
        context.getPropertiesComponent().setOverrideProperties(properties);
        new PtaRouterConfiguration().configure(context);
        return context;
    }

    private static WireMockServer https(String keystore) {
        WireMockServer server = new WireMockServer(wireMockConfig()
                .httpDisabled(true).dynamicHttpsPort().bindAddress("127.0.0.1")
                .keystorePath(certs.resolve(keystore).toString()).keystoreType("PKCS12")
                .keystorePassword(STORE_PASSWORD).keyManagerPassword(STORE_PASSWORD));
        server.start();
        return server;
    }

    private static String file(String name) {
        return certs.resolve(name).toString();
    }

}
