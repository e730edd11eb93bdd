package io.ptarouter;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import java.util.jar.JarFile;
import java.util.zip.ZipEntry;

import org.junit.jupiter.api.Test;

/**
 * What the packaged application (target/pta-router.jar, built by mvn package) carries: no test framework, and the
 * logging library at a version without the vulnerability the build's enforcer rule bans.
 */
class FatJarIT {

    /** Packages of the test libraries the build uses; none of their classes may ship. */
    private static final List<String> TEST_LIBRARIES = List.of("junit/", "org/junit/", "org/hamcrest/", "org/assertj/",
            "org/awaitility/", "com/github/tomakehurst/", "org/wiremock/", "wiremock/", "org/mockito/",
            "com/icegreen/greenmail/junit", "org/apache/camel/test/");

    @Test
    void theApplicationJarCarriesNoTestLibrary() throws IOException {
        try (JarFile jar = new JarFile(Path.of("target", "pta-router.jar").toFile())) {
            List<String> entries = jar.stream().map(ZipEntry::getName).toList();

            assertThat(entries).as("the demo's SMTP server is there").contains("com/icegreen/greenmail/util/GreenMail.class");
            assertThat(entries).filteredOn(name -> TEST_LIBRARIES.stream().anyMatch(name::startsWith)).isEmpty();
        }
    }

    @Test
    void theApplicationJarCarriesLog4jCoreWithTheFixForCve202568161() throws IOException {
        try (JarFile jar = new JarFile(Path.of("target", "pta-router.jar").toFile());
             InputStream in = jar.getInputStream(jar.getEntry("META-INF/maven/org.apache.logging.log4j/log4j-core/pom.properties"))) {
            Properties pom = new Properties();
            pom.load(in);
            assertThat(Runtime.Version.parse(pom.getProperty("version"))).isGreaterThanOrEqualTo(Runtime.Version.parse("2.25.3"));
        }
    }
}
