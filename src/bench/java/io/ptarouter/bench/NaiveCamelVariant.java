package io.ptarouter.bench;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.model.RouteDefinition;
import org.apache.camel.model.dataformat.JsonLibrary;

/**
 * The route a Camel user would write by hand: log on, GET the events, unmarshal the whole answer to a List, split it
 * and append each event to a file with the file component. Camel's defaults throughout (stream caching on).
 */
final class NaiveCamelVariant implements Variant {

    @Override
    public Outcome run(Target target, Path work) throws Exception {
        Path folder = work.resolve("events");
        try (CamelContext camel = new DefaultCamelContext()) {
            camel.addRoutes(new RouteBuilder() {
                @Override
                public void configure() {
                    getAnswer(this, target, "")
                            .unmarshal().json(JsonLibrary.Jackson, List.class)
                            .split(body())
                                .marshal().json(JsonLibrary.Jackson)
                                .to("file:" + folder + "?fileName=events.ndjson&fileExist=Append&appendChars=\\n")
                            .end();
                }
            });
            camel.start();
            Variant.settle();
            long start = System.nanoTime();
            long cpu = Variant.cpuNanos();
            camel.createProducerTemplate().sendBody("direct:poll", null);
            long nanos = System.nanoTime() - start;
            cpu = Variant.cpuNanos() - cpu;
            long lines = countLines(folder.resolve("events.ndjson"));
            return new Outcome(lines, lines, nanos, cpu, "");
        }
    }

    /**
     * The start of the route both Camel variants share: {@code direct:poll} logs on and GETs the security events, with
     * {@code getOptions} on the GET endpoint; the answer is the body of what is returned.
     */
    static RouteDefinition getAnswer(RouteBuilder routes, Target target, String getOptions) {
        String pta = target.simulatorUrl() + "/PasswordVault/API";
        return routes.from("direct:poll")
                .setHeader(Exchange.HTTP_METHOD, routes.constant("POST"))
                .setHeader(Exchange.CONTENT_TYPE, routes.constant("application/json"))
                .setBody(routes.constant("{\"username\":\"" + Target.USERNAME + "\",\"password\":\""
                        + Target.PASSWORD + "\",\"concurrentSession\":true}"))
                .to(pta + "/auth/CyberArk/Logon")
                .setHeader("Authorization", routes.bodyAs(String.class).regexReplaceAll("\"", ""))
                .removeHeaders("*", "Authorization")
                .setHeader(Exchange.HTTP_METHOD, routes.constant("GET"))
                .process(e -> e.getMessage().setHeader(Exchange.HTTP_QUERY, "fromUpdateDate="
                        + (System.currentTimeMillis() - Target.LOOKBACK.toMillis())))
                .setBody(routes.constant(""))
                .to(pta + "/pta/API/Events/" + getOptions);
    }

    static long countLines(Path file) throws IOException {
        if (!Files.exists(file)) {
            return 0;
        }
        long lines = 0;
        byte[] buffer = new byte[1 << 16];
        try (InputStream in = Files.newInputStream(file)) {
            for (int n = in.read(buffer); n > 0; n = in.read(buffer)) {
                for (int i = 0; i < n; i++) {
                    if (buffer[i] == '\n') {
                        lines++;
                    }
                }
            }
        }
        return lines;
    }
}
