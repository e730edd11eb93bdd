package io.ptarouter.reliability;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Reads the file sink's NDJSON files ({@code <stream>-<yyyy-MM-dd>.ndjson}) as a SIEM would, incrementally: every
 * complete line is tallied by the version in its metadata; a line that does not parse (torn by a crash, or glued to
 * the next one) is unreadable and delivers nothing. A file has no de-duplication key, so every extra line of a
 * version is a duplicate.
 */
final class NdjsonFolder {

    private final Path directory;
    private final DeliveryTally lines = new DeliveryTally();
    /** Per file, the bytes read up to and including the last complete line. */
    private final Map<Path, Long> consumed = new HashMap<>();
    private final List<String> unreadableSamples = new ArrayList<>();

    NdjsonFolder(Path directory) {
        this.directory = directory;
    }

    Path directory() {
        return directory;
    }

    /** Reads what was appended since the last call, up to each file's last newline. */
    synchronized DeliveryTally lines() {
        for (Path file : files()) {
            readNewLines(file);
        }
        return lines;
    }

    /** Bytes after the last newline of every file: a line being written now, or, once the app is stopped, a torn one. */
    synchronized long unterminatedBytes() {
        long bytes = 0;
        for (Path file : files()) {
            readNewLines(file);
            bytes += size(file) - consumed.getOrDefault(file, 0L);
        }
        return bytes;
    }

    synchronized List<String> unreadableSamples() {
        return List.copyOf(unreadableSamples);
    }

    private void readNewLines(Path file) {
        long from = consumed.getOrDefault(file, 0L);
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = channel.size();
            if (size <= from) {
                return;
            }
            ByteBuffer buffer = ByteBuffer.allocate((int) (size - from));
            while (buffer.hasRemaining()) {
                if (channel.read(buffer, from + buffer.position()) < 0) {
                    break;
                }
            }
            byte[] bytes = buffer.array();
            int lineStart = 0;
            for (int i = 0; i < buffer.position(); i++) {
                if (bytes[i] == '\n') {
                    tally(new String(bytes, lineStart, i - lineStart, StandardCharsets.UTF_8));
                    lineStart = i + 1;
                }
            }
            consumed.put(file, from + lineStart);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    private void tally(String line) {
        Envelopes.deliveryKey(line).ifPresentOrElse(key -> lines.record(key, null), () -> {
            lines.recordUnreadable();
            if (unreadableSamples.size() < 5) {
                unreadableSamples.add(line.length() > 300 ? line.substring(0, 300) + "..." : line);
            }
        });
    }

    private List<Path> files() {
        if (!Files.isDirectory(directory)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(directory)) {
            return files.filter(file -> file.getFileName().toString().endsWith(".ndjson")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + directory, e);
        }
    }

    private static long size(Path file) {
        try {
            return Files.size(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the size of " + file, e);
        }
    }
}
