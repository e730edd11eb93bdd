package io.ptarouter.reliability;

import java.util.List;

/**
 * One sink's outcome of the crash loop, in event versions (delivery keys).
 *
 * @param produced       versions the simulator produced that the routing sends here
 * @param served         of those, versions at least one answer held
 * @param expected       versions the sink must hold (see {@link ExpectedDeliveries})
 * @param delivered      distinct versions the sink holds
 * @param lost           expected versions the sink does not hold
 * @param duplicates     copies beyond the first of a version that the receiver keeps although it de-duplicates by the
 *                       sink's key (for the file and the queue, which have none to de-duplicate by: every extra copy)
 * @param resends        copies beyond the first of a version that reached the receiver at all (for JMS: sends the
 *                       broker received, including those its duplicate detection dropped)
 * @param keyMismatches  copies without the de-duplication key pta-router promises, or with another one
 * @param unreadable     copies whose version could not be read (a torn NDJSON line, a body that is not an envelope)
 * @param phantom        versions held that no answer ever held
 * @param misrouted      versions held that the routing does not send here
 * @param notObservable  served versions that were not expected (superseded after a crash took them), held or not
 * @param restartResends copies received while the app restarted without a crash and polled again
 */
record SinkResult(Sink sink, int produced, int served, int expected, int delivered, int lost, List<String> lostSample,
                  int duplicates, int resends, int keyMismatches, int unreadable, int phantom, int misrouted,
                  int notObservable, int restartResends) {
}
