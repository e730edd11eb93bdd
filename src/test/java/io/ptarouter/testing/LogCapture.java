package io.ptarouter.testing;

import java.io.StringWriter;

import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.WriterAppender;
import org.apache.logging.log4j.core.config.Configurator;
import org.apache.logging.log4j.core.layout.PatternLayout;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/** Everything logged at INFO and above during one test, to check what an operator would see (and what must never show). */
public final class LogCapture implements BeforeEachCallback, AfterEachCallback {

    private final StringWriter captured = new StringWriter();
    private WriterAppender appender;
    private Level rootLevel;

    @Override
    public void beforeEach(ExtensionContext test) {
        LoggerContext logging = (LoggerContext) LogManager.getContext(false);
        appender = WriterAppender.newBuilder().setName("capture-" + test.getUniqueId()).setTarget(captured)
                .setLayout(PatternLayout.newBuilder().withPattern("%level %logger %msg %throwable%n").build()).build();
        appender.start();
        logging.getConfiguration().addAppender(appender);
        logging.getRootLogger().addAppender(appender);
        rootLevel = logging.getRootLogger().getLevel();
        Configurator.setRootLevel(Level.INFO);
    }

    @Override
    public void afterEach(ExtensionContext test) {
        LoggerContext logging = (LoggerContext) LogManager.getContext(false);
        logging.getRootLogger().removeAppender(appender);
        appender.stop();
        Configurator.setRootLevel(rootLevel);
    }

    public String text() {
        return captured.toString();
    }
}
