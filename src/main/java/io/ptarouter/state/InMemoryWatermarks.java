package io.ptarouter.state;

import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/** Watermarks that live as long as the process; a restart starts again from the look-back. */
public final class InMemoryWatermarks implements Watermarks {

    private final ConcurrentMap<String, Long> marks = new ConcurrentHashMap<>();

    @Override
    public OptionalLong get(String stream) {
        Long mark = marks.get(stream);
        return mark == null ? OptionalLong.empty() : OptionalLong.of(mark);
    }

    @Override
    public void advance(String stream, long eventTimeMillis) {
        marks.merge(stream, eventTimeMillis, Math::max);
    }
}
