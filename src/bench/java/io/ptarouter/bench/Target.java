package io.ptarouter.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/** Where the peers of a run listen, as {@link Peer} wrote it, and the simulator's credentials. */
record Target(String simulatorUrl, String webhookUrl, int smtpPort, int syslogPort, String controlUrl, int events) {

    static final String USERNAME = "pta-reader";
    static final String PASSWORD = "demo-password";
    /** All generated events lie in the hour before the simulator started: a day back reads them all. */
    static final Duration LOOKBACK = Duration.ofHours(24);

    private static final HttpClient HTTP = HttpClient.newHttpClient();

    static Target read(Path info, int events) throws IOException {
        Map<String, String> values = new HashMap<>();
        for (String line : Files.readAllLines(info)) {
            int eq = line.indexOf('=');
            if (eq > 0) {
                values.put(line.substring(0, eq), line.substring(eq + 1));
            }
        }
        return new Target(values.get("simulator"), values.get("webhook"), Integer.parseInt(values.get("smtp")),
                Integer.parseInt(values.get("syslog")), values.get("control"), events);
    }

    /** The peer's counters: webhook posts, repeated webhook ids, mails and syslog records received since the last reset. */
    Map<String, Long> peerCounts() throws IOException, InterruptedException {
        String text = HTTP.send(HttpRequest.newBuilder(URI.create(controlUrl + "/counts")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        Map<String, Long> counts = new HashMap<>();
        for (String part : text.trim().split(" ")) {
            String[] kv = part.split("=");
            counts.put(kv[0], Long.parseLong(kv[1]));
        }
        return counts;
    }

    void resetPeer() throws IOException, InterruptedException {
        HTTP.send(HttpRequest.newBuilder(URI.create(controlUrl + "/reset")).POST(HttpRequest.BodyPublishers.noBody())
                .build(), HttpResponse.BodyHandlers.discarding());
    }
}
