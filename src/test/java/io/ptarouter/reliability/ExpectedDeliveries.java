package io.ptarouter.reliability;

import io.ptarouter.simulator.ServedAnswer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * Which event versions each sink must hold, from what the simulator produced and what its answers held.
 *
 * <p>PTA answers with the current version of each event only. So a version is owed to the sinks when the app can be
 * shown to have had it in hand and the means to deliver it, or to have said it did:
 * <ol>
 *   <li><b>read, and the poll finished</b>: a complete security events answer held it, and the same logon session (the
 *       same app process) made another security events call afterwards. Polls of a stream never overlap, so that
 *       process had finished the poll that read the answer, delivering it or failing and keeping its watermark;</li>
 *   <li><b>passed by the watermark</b>: the last answer of a session (a process that was killed before its next poll)
 *       held it, and the next process's first call asked only for events updated after it. The lower bound of that
 *       call is the watermark the killed process left behind: it committed past the version, which claims the
 *       version delivered;</li>
 *   <li><b>current</b>: it is the version of a security event when the simulator stopped changing them, which the
 *       last runs read;</li>
 *   <li><b>risk events</b>: every version served (the simulator never changes a risk event, so each one is current).</li>
 * </ol>
 * Not owed: a version superseded before any answer held it (never observable), and one that only answers to a process
 * killed before it finished that poll held, superseded before a later process read the events again (the crash took
 * it, and PTA will never return it). Both are counted for the report, not hidden.
 */
final class ExpectedDeliveries {

    private record Routing(String type, Double score) {
    }

    private final Map<String, Routing> routingByEvent = new HashMap<>();
    private final Set<String> produced = new HashSet<>();
    private final Set<String> served = new HashSet<>();
    private final Set<String> owed = new HashSet<>();

    /**
     * @param answers every answer the simulator served, in arrival order
     * @param history every version each security event had (id to lastUpdateTimes)
     * @param current the current version of each security event, taken after changes stopped
     */
    ExpectedDeliveries(List<ServedAnswer> answers, Map<String, List<Long>> history, Map<String, Long> current) {
        Map<Integer, List<ServedAnswer>> securityBySession = new TreeMap<>();
        for (ServedAnswer answer : answers) {
            for (ServedAnswer.Event event : answer.events()) {
                routingByEvent.put(answer.stream() + "/" + event.id(), new Routing(event.type(), event.score()));
                served.add(key(answer, event));
            }
            if (answer.stream().equals(ServedAnswer.RISK_EVENTS)) {
                answer.events().forEach(event -> produced.add(key(answer, event)));
                answer.events().forEach(event -> owed.add(key(answer, event)));
            } else {
                securityBySession.computeIfAbsent(answer.session(), session -> new ArrayList<>()).add(answer);
            }
        }
        List<List<ServedAnswer>> sessions = new ArrayList<>(securityBySession.values());
        for (int s = 0; s < sessions.size(); s++) {
            List<ServedAnswer> calls = sessions.get(s);
            for (ServedAnswer answer : calls.subList(0, calls.size() - 1)) {
                if (answer.complete()) {
                    answer.events().forEach(event -> owed.add(key(answer, event)));
                }
            }
            if (s + 1 < sessions.size()) {
                ServedAnswer last = calls.get(calls.size() - 1);
                Long watermarkLeft = sessions.get(s + 1).get(0).since();
                last.events().stream()
                        .filter(event -> watermarkLeft != null && event.version() < watermarkLeft)
                        .forEach(event -> owed.add(key(last, event)));
            }
        }
        history.forEach((id, versions) -> versions.forEach(
                version -> produced.add(Envelopes.key(ServedAnswer.SECURITY_EVENTS, id, version))));
        current.forEach((id, version) -> owed.add(Envelopes.key(ServedAnswer.SECURITY_EVENTS, id, version)));
    }

    /** Versions the simulator produced that the routing sends to the sink (risk events: the ones it served). */
    Set<String> produced(Sink sink) {
        return routedTo(sink, produced);
    }

    /** Versions at least one answer held. */
    Set<String> served(Sink sink) {
        return routedTo(sink, served);
    }

    /** Versions the sink must hold. */
    Set<String> owed(Sink sink) {
        return routedTo(sink, owed);
    }

    boolean wasServed(String key) {
        return served.contains(key);
    }

    boolean routes(Sink sink, String key) {
        Routing routing = routingByEvent.get(key.substring(0, key.lastIndexOf('/')));
        // An event no answer ever held has no known type or score: only the sinks that take every event are sure.
        return routing == null ? sink.routes(null, null) : sink.routes(routing.type(), routing.score());
    }

    private Set<String> routedTo(Sink sink, Set<String> keys) {
        return keys.stream().filter(key -> routes(sink, key)).collect(Collectors.toUnmodifiableSet());
    }

    private static String key(ServedAnswer answer, ServedAnswer.Event event) {
        return Envelopes.key(answer.stream(), event.id(), event.version());
    }
}
