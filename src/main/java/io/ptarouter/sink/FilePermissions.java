package io.ptarouter.sink;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The POSIX permissions of the files and folders pta-router writes its detections, state and journal to
 * ({@code pta.files.mode}, {@code pta.files.directory-mode}; owner-only by default). Files are created with
 * their mode rather than changed afterwards, so no other user can open one in between. On a file system without
 * POSIX permissions, or for {@link #umask()}, the process umask decides.
 */
public final class FilePermissions {

    private static final Logger LOG = LoggerFactory.getLogger(FilePermissions.class);
    private static final Pattern OCTAL = Pattern.compile("[0-7]{3}");
    private static final boolean POSIX = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");

    private final Optional<Set<PosixFilePermission>> file;
    private final Optional<Set<PosixFilePermission>> directory;

    private FilePermissions(Optional<Set<PosixFilePermission>> file, Optional<Set<PosixFilePermission>> directory) {
        this.file = POSIX ? file : Optional.empty();
        this.directory = POSIX ? directory : Optional.empty();
    }

    /** Modes in octal as chmod takes them, such as {@code 600} and {@code 700}. */
    public static FilePermissions of(String fileMode, String directoryMode) {
        return new FilePermissions(Optional.of(parse(fileMode)), Optional.of(parse(directoryMode)));
    }

    /** What the umask gives, for code that writes files outside the app's settings. */
    public static FilePermissions umask() {
        return new FilePermissions(Optional.empty(), Optional.empty());
    }

    /** Whether {@code mode} is three octal digits, as chmod and Camel's file component take it. */
    public static boolean isValid(String mode) {
        return mode != null && OCTAL.matcher(mode).matches();
    }

    /** Creates the folder and its missing parents with the folder mode. */
    public Path createDirectories(Path folder) throws IOException {
        if (Files.isDirectory(folder)) {
            return folder;
        }
        if (directory.isEmpty()) {
            return Files.createDirectories(folder);
        }
        Files.createDirectories(folder, PosixFilePermissions.asFileAttribute(directory.get()));
        // The umask may have taken bits off the mode asked for (750 under umask 077).
        return Files.setPosixFilePermissions(folder, directory.get());
    }

    /**
     * At start-up, for a folder a library writes to with the umask's modes: creates it, or closes it as
     * {@link #closeDirectory} does. A folder that cannot be made now is left to its writer.
     */
    public void prepareDirectory(Path folder) {
        try {
            createDirectories(folder);
        } catch (IOException e) {
            LOG.warn("cannot create the folder {} now ({}); it is created when first written to", folder, e.toString());
            return;
        }
        closeDirectory(folder);
    }

    /**
     * At start-up: gives an existing folder the folder mode, saying so, so that what a release before the modes
     * existed left readable to every local user (0755) is closed. A missing folder is left to its writer.
     */
    public void closeDirectory(Path folder) {
        try {
            if (directory.isEmpty() || !Files.isDirectory(folder)) {
                return;
            }
            Set<PosixFilePermission> current = Files.getPosixFilePermissions(folder);
            if (!current.equals(directory.get())) {
                Files.setPosixFilePermissions(folder, directory.get());
                LOG.warn("{} was {}; set to {} (pta.files.directory-mode)", folder,
                        PosixFilePermissions.toString(current), PosixFilePermissions.toString(directory.get()));
            }
        } catch (IOException e) {
            LOG.warn("cannot set the permissions of the folder {} (pta.files.directory-mode): {}", folder, e.toString());
        }
    }

    /** Opens a file to append to, creating it (and its folder) with the mode. */
    public FileChannel openForAppend(Path path) throws IOException {
        createDirectories(path.toAbsolutePath().getParent());
        Set<StandardOpenOption> options = EnumSet.of(StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        if (file.isEmpty()) {
            return FileChannel.open(path, options, new FileAttribute<?>[0]);
        }
        FileChannel channel = FileChannel.open(path, options, PosixFilePermissions.asFileAttribute(file.get()));
        restrict(path); // the umask may have taken bits off a new file's mode; an older file may have another
        return channel;
    }

    /** Gives a file the mode, such as one a library created (the H2 database); a failure is logged. */
    public void restrict(Path path) {
        try {
            if (file.isPresent() && Files.isRegularFile(path) && !Files.getPosixFilePermissions(path).equals(file.get())) {
                Files.setPosixFilePermissions(path, file.get());
            }
        } catch (IOException e) {
            // Another user's file that this one may write to: the write goes on, the operator is told.
            LOG.warn("cannot set the permissions of {} to {} (pta.files.mode): {}", path,
                    PosixFilePermissions.toString(file.get()), e.toString());
        }
    }

    private static Set<PosixFilePermission> parse(String mode) {
        if (!isValid(mode)) {
            throw new IllegalArgumentException("expected three octal digits such as 600, got '" + mode + "'");
        }
        StringBuilder symbolic = new StringBuilder();
        for (char digit : mode.toCharArray()) {
            int bits = digit - '0';
            symbolic.append((bits & 4) != 0 ? 'r' : '-').append((bits & 2) != 0 ? 'w' : '-').append((bits & 1) != 0 ? 'x' : '-');
        }
        return PosixFilePermissions.fromString(symbolic.toString());
    }
}
