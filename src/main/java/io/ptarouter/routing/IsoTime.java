package io.ptarouter.routing;

import java.time.Instant;
import java.time.LocalDate;

/**
 * An event time as {@link Instant#toString} writes it ({@code 2026-11-21T10:00:00Z}, {@code ...:00.250Z}), for every
 * event's {@code ptaEventTime}. By hand because {@code Instant.toString} goes through a {@code DateTimeFormatter},
 * which cost 1.7% of the poll thread; the date itself is still worked out by {@link LocalDate}. Times outside the
 * years 1970 to 9999 are left to {@code Instant.toString} (PTA event times are after 2000).
 */
final class IsoTime {

    private static final long MILLIS_PER_DAY = 86_400_000L;
    /** 10000-01-01T00:00:00Z. */
    private static final long END = 253_402_300_800_000L;

    private IsoTime() {
    }

    static String of(long epochMillis) {
        if (epochMillis < 0 || epochMillis >= END) {
            return Instant.ofEpochMilli(epochMillis).toString();
        }
        LocalDate day = LocalDate.ofEpochDay(epochMillis / MILLIS_PER_DAY);
        int millisOfDay = (int) (epochMillis % MILLIS_PER_DAY);
        int millis = millisOfDay % 1000;
        int seconds = millisOfDay / 1000;
        char[] text = new char[millis == 0 ? 20 : 24];
        digits(text, 0, day.getYear(), 4);
        text[4] = '-';
        digits(text, 5, day.getMonthValue(), 2);
        text[7] = '-';
        digits(text, 8, day.getDayOfMonth(), 2);
        text[10] = 'T';
        digits(text, 11, seconds / 3600, 2);
        text[13] = ':';
        digits(text, 14, seconds / 60 % 60, 2);
        text[16] = ':';
        digits(text, 17, seconds % 60, 2);
        if (millis != 0) {
            text[19] = '.';
            digits(text, 20, millis, 3);
        }
        text[text.length - 1] = 'Z';
        return new String(text);
    }

    private static void digits(char[] text, int at, int value, int width) {
        for (int i = at + width - 1; i >= at; i--) {
            text[i] = (char) ('0' + value % 10);
            value /= 10;
        }
    }
}
