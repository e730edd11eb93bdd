package io.ptarouter.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import io.ptarouter.testing.LogCapture;

class LocalOrPackagedFilesTest {

    private static final String DEMO = "file:routes/*.camel.yaml,file:routes/demo/*.camel.yaml";

    @TempDir
    Path work;

    @RegisterExtension
    final LogCapture log = new LogCapture();

    @Test
    void withoutALocalRoutesFolderTheRoutesPackagedInTheJarAreRead() {
        assertThat(new LocalOrPackagedFiles(work).resolve(DEMO))
                .isEqualTo("classpath:routes/*.camel.yaml,classpath:routes/demo/*.camel.yaml");
        assertThat(log.text()).contains("routes: routes/*.camel.yaml packaged in the jar (there is no folder "
                + work.resolve("routes") + ")");
    }

    @Test
    void aLocalRoutesFolderIsReadInsteadOfTheJarsFolderByFolder() throws Exception {
        Files.createDirectories(work.resolve("routes"));

        assertThat(new LocalOrPackagedFiles(work).resolve(DEMO))
                .as("the demo's own folder is not there: its route comes from the jar")
                .isEqualTo("file:routes/*.camel.yaml,classpath:routes/demo/*.camel.yaml");
        assertThat(log.text()).contains("routes: routes/*.camel.yaml from the folder " + work.resolve("routes"));
    }

    @Test
    void patternsThatAreNotLocalFilesAreLeftAsTheyAre() {
        assertThat(new LocalOrPackagedFiles(work).resolve("classpath:camel/*.yaml, file:" + work + "/*.camel.yaml"))
                .isEqualTo("classpath:camel/*.yaml,file:" + work + "/*.camel.yaml");
    }
}
