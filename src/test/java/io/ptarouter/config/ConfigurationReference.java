package io.ptarouter.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Writes docs/configuration.md from application.properties: a section per {@code ## } heading, a row
 * per key with its default, its environment variable and the comment lines above it, and a comment
 * block that a blank line ends as a paragraph. The file is the one source; ConfigurationReferenceTest
 * fails when the page no longer matches it. Only the JDK here, so it runs from target/test-classes.
 */
public final class ConfigurationReference {

    static final Path PROPERTIES = Path.of("application.properties");
    static final Path PAGE = Path.of("docs/configuration.md");
    static final String REGENERATE = "mvn -B -q test-compile && java -cp target/test-classes "
            + ConfigurationReference.class.getName();

    private ConfigurationReference() {
    }

    public static void main(String[] args) throws IOException {
        Path out = args.length > 0 ? Path.of(args[0]) : PAGE;
        Files.createDirectories(out.toAbsolutePath().getParent());
        Files.writeString(out, render(Files.readAllLines(PROPERTIES, StandardCharsets.UTF_8)), StandardCharsets.UTF_8);
        System.out.println("wrote " + out + " from " + PROPERTIES);
    }

    /** The page for the lines of an application.properties file. */
    static String render(List<String> lines) {
        StringBuilder page = new StringBuilder()
                .append("# Configuration reference\n\n")
                .append("<!-- Generated from application.properties by ").append(ConfigurationReference.class.getName())
                .append(": edit the comments there, then run\n     ").append(REGENERATE).append(" -->\n");
        List<String> comment = new ArrayList<>();
        boolean inTable = false;
        for (String raw : lines) {
            String line = raw.strip();
            if (line.startsWith("## ")) {
                paragraph(page, comment);
                page.append("\n## ").append(line.substring(3).strip()).append("\n");
                inTable = false;
            } else if (line.startsWith("#")) {
                comment.add(line.substring(1).strip());
            } else if (line.isEmpty()) {
                inTable &= !paragraph(page, comment);
            } else {
                if (!inTable) {
                    page.append("\n| Key | Default | Environment variable | Meaning |\n|---|---|---|---|\n");
                    inTable = true;
                }
                page.append(row(line, String.join(" ", comment)));
                comment.clear();
            }
        }
        paragraph(page, comment);
        return page.toString();
    }

    /** A comment block not followed by a key: prose. Answers whether one was written. */
    private static boolean paragraph(StringBuilder page, List<String> comment) {
        if (comment.isEmpty()) {
            return false;
        }
        page.append("\n").append(cell(String.join("\n", comment))).append("\n");
        comment.clear();
        return true;
    }

    private static String row(String line, String meaning) {
        int eq = line.indexOf('=');
        if (eq <= 0) {
            throw new IllegalArgumentException("not a 'key=value' line: " + line);
        }
        String key = line.substring(0, eq).strip();
        String value = line.substring(eq + 1).strip();
        return "| `" + key + "` | " + (value.isEmpty() ? "(empty)" : "`" + value.replace("|", "\\|") + "`") + " | `"
                + environmentVariable(key) + "` | " + cell(meaning) + " |\n";
    }

    /** As EnvironmentOverrides reads it: upper case, '.' and '-' as '_'. */
    static String environmentVariable(String key) {
        return key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
    }

    /** A pipe would end the table cell, and Markdown would take {@code <tenant>} for a tag. */
    private static String cell(String text) {
        return text.replace("|", "\\|").replace("<", "&lt;");
    }
}
