package io.ptarouter.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DemoWebhookReceiverTest {

    @TempDir
    Path directory;

    private final HttpClient http = HttpClient.newHttpClient();
    private DemoWebhookReceiver receiver;
    private Path file;

    @BeforeEach
    void start() {
        file = directory.resolve("out").resolve("webhook.ndjson");
        receiver = DemoWebhookReceiver.start("127.0.0.1", 0, file);
    }

    @AfterEach
    void stop() {
        receiver.close();
    }

    @Test
    void postAppendsOneLineAndAnswers200() throws Exception {
        HttpResponse<String> response = post("/", "{\"id\":\"abc\",\n \"score\":80.5}", "HIGH");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("{\"received\":true}");
        assertThat(Files.readAllLines(file)).containsExactly("{\"id\":\"abc\",  \"score\":80.5}");
        assertThat(receiver.receivedCount()).isEqualTo(1);
    }

    @Test
    void everyPostBecomesItsOwnLineWhateverThePath() throws Exception {
        post("/", "{\"n\":1}", null);
        post("/alerts/high", "{\"n\":2}\r\n", "HIGH");
        post("/alerts/low", "{\"n\":3}", "LOW");

        assertThat(Files.readAllLines(file)).containsExactly("{\"n\":1}", "{\"n\":2} ", "{\"n\":3}");
        assertThat(receiver.receivedCount()).isEqualTo(3);
        assertThat(receiver.receivedHeaders("X-Pta-Severity")).containsExactly("HIGH", "LOW");
        assertThat(receiver.receivedHeaders("x-pta-severity")).containsExactly("HIGH", "LOW");
    }

    @Test
    void bodyOverOneMebibyteIsRefusedWith413() throws Exception {
        HttpResponse<String> response = post("/", "x".repeat(1024 * 1024 + 1), null);

        assertThat(response.statusCode()).isEqualTo(413);
        assertThat(receiver.receivedCount()).isZero();
        assertThat(file).doesNotExist();
    }

    @Test
    void onlyPostIsAccepted() throws Exception {
        HttpResponse<String> response = http.send(
                HttpRequest.newBuilder(URI.create(receiver.url())).GET().build(), HttpResponse.BodyHandlers.ofString());

        assertThat(response.statusCode()).isEqualTo(405);
        assertThat(receiver.receivedCount()).isZero();
    }

    private HttpResponse<String> post(String path, String body, String severity)
            throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(receiver.url()).resolve(path))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (severity != null) {
            request.header("X-Pta-Severity", severity);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
