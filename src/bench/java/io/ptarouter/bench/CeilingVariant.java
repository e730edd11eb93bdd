package io.ptarouter.bench;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.io.SerializedString;
import java.io.BufferedOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The ceiling: no Camel. Log on, GET the events, and copy each element of the array as it is parsed to an NDJSON
 * file through one buffered stream. Nothing a router does (classify, dedup, route, envelope) is done.
 */
final class CeilingVariant implements Variant {

    private final JsonFactory json = new JsonFactory();
    private final HttpClient http = HttpClient.newHttpClient();

    /** Logs on and GETs the security events, as a stream; shared with {@link JmsCeilingVariant}. */
    static HttpResponse<InputStream> answer(HttpClient http, Target target) throws Exception {
        String token = http.send(HttpRequest.newBuilder(
                        URI.create(target.simulatorUrl() + "/PasswordVault/API/auth/CyberArk/Logon"))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString("{\"username\":\"" + Target.USERNAME
                                + "\",\"password\":\"" + Target.PASSWORD + "\",\"concurrentSession\":true}"))
                        .build(), HttpResponse.BodyHandlers.ofString()).body().replace("\"", "");
        long from = System.currentTimeMillis() - Target.LOOKBACK.toMillis();
        return http.send(HttpRequest.newBuilder(
                        URI.create(target.simulatorUrl() + "/PasswordVault/API/pta/API/Events/?fromUpdateDate=" + from))
                        .header("Authorization", token).build(), HttpResponse.BodyHandlers.ofInputStream());
    }

    @Override
    public Outcome run(Target target, Path work) throws Exception {
        Variant.settle();
        long start = System.nanoTime();
        long cpu = Variant.cpuNanos();
        HttpResponse<InputStream> answer = answer(http, target);
        Files.createDirectories(work);
        long count = 0;
        try (InputStream in = answer.body();
             JsonParser parser = json.createParser(in);
             OutputStream file = new BufferedOutputStream(Files.newOutputStream(work.resolve("events.ndjson")), 1 << 16);
             JsonGenerator out = json.createGenerator(file)) {
            out.setRootValueSeparator(new SerializedString("\n"));
            if (parser.nextToken() != JsonToken.START_ARRAY) {
                throw new IllegalStateException("the answer is not a JSON array");
            }
            while (parser.nextToken() == JsonToken.START_OBJECT) {
                out.copyCurrentStructure(parser);
                count++;
            }
            out.writeRaw('\n');
        }
        return new Outcome(count, count, System.nanoTime() - start, Variant.cpuNanos() - cpu, "");
    }
}
