package io.ptarouter.reliability;

import java.util.Locale;

/**
 * The four sinks and which event versions the default routing policy (routes/dispatch.camel.yaml with the default
 * pta.routing.* settings) sends to each: every version to the file and JMS sinks, scores of 35 and more to the
 * webhook, scores of 75 and more and every SuspectedCredentialsTheft to email. No score means severity unknown.
 */
enum Sink {

    FILE, JMS, WEBHOOK, EMAIL;

    static final String EMAILED_TYPE = "SuspectedCredentialsTheft";

    boolean routes(String type, Double score) {
        return switch (this) {
            case FILE, JMS -> true;
            case WEBHOOK -> score != null && score >= 35;
            case EMAIL -> score != null && score >= 75 || EMAILED_TYPE.equals(type);
        };
    }

    String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
