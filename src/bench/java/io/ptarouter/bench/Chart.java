package io.ptarouter.bench;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;
import javax.imageio.ImageIO;

/**
 * The chart of BENCHMARKS.md, drawn with Java2D: events/s (log scale) and peak heap after GC against N (log scale),
 * one line per variant; a variant that failed at a size (out of memory) is marked with a cross and the reason.
 */
final class Chart {

    private static final int WIDTH = 1500;
    private static final int HEIGHT = 620;
    private static final int PANEL = 620;
    private static final int TOP = 70;
    private static final int PLOT_H = 430;
    private static final Map<String, Color> COLORS = Map.ofEntries(
            Map.entry("ceiling", new Color(0x55, 0x55, 0x55)), Map.entry("naive", new Color(0xD6, 0x27, 0x28)),
            Map.entry("file", new Color(0x1F, 0x77, 0xB4)), Map.entry("jms", new Color(0x2C, 0xA0, 0x2C)),
            Map.entry("webhook", new Color(0xFF, 0x7F, 0x0E)), Map.entry("email", new Color(0x8C, 0x56, 0x4B)),
            Map.entry("syslog", new Color(0xE3, 0x77, 0xC2)), Map.entry("all", new Color(0x94, 0x67, 0xBD)),
            Map.entry("jms-ceiling", new Color(0x98, 0xDF, 0x8A)), Map.entry("jms-ceiling-async", new Color(0x17, 0xBE, 0xCF)),
            Map.entry("jms-camel-floor", new Color(0x17, 0x5E, 0x54)),
            Map.entry("camel-floor", new Color(0xBC, 0xBD, 0x22)));

    static void write(List<Results.Row> rows, Benchmark.Plan plan, Path png) throws IOException {
        BufferedImage image = new BufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, WIDTH, HEIGHT);
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 16));
        g.drawString("pta-router benchmark: one answer of N security events (~1.5 KB each), -Xmx" + plan.xmx()
                + ", " + Benchmark.now(), 60, 28);
        panel(g, rows, plan, 80, "events/s (median; log scale)", Results.Row::rate, true);
        panel(g, rows, plan, 80 + PANEL + 110, "peak heap after GC, MB (live data)", r -> r.heapAfterGc() / 1048576.0, false);
        legend(g, rows, WIDTH - 1500 + 80, TOP + PLOT_H + 55);
        g.dispose();
        ImageIO.write(image, "png", png.toFile());
    }

    private static void panel(Graphics2D g, List<Results.Row> rows, Benchmark.Plan plan, int left, String title,
                              ToDoubleFunction<Results.Row> value, boolean logY) {
        double minN = plan.sizes().stream().mapToInt(Integer::intValue).min().orElse(1);
        double maxN = plan.sizes().stream().mapToInt(Integer::intValue).max().orElse(10);
        double lx0 = Math.floor(Math.log10(minN));
        double lx1 = Math.max(lx0 + 1, Math.ceil(Math.log10(maxN)));
        double max = rows.stream().filter(Results.Row::ok).mapToDouble(value).max().orElse(1);
        double min = rows.stream().filter(Results.Row::ok).mapToDouble(value).filter(v -> v > 0).min().orElse(1);
        double y0 = logY ? Math.floor(Math.log10(min)) : 0;
        double y1 = logY ? Math.max(y0 + 1, Math.ceil(Math.log10(max))) : niceCeiling(max);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 14));
        g.setColor(Color.BLACK);
        g.drawString(title, left, TOP - 12);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        g.setColor(new Color(0xDD, 0xDD, 0xDD));
        for (double e = lx0; e <= lx1 + 1e-9; e++) {
            int x = left + (int) ((e - lx0) / (lx1 - lx0) * PANEL);
            g.setColor(new Color(0xDD, 0xDD, 0xDD));
            g.drawLine(x, TOP, x, TOP + PLOT_H);
            g.setColor(Color.BLACK);
            g.drawString(Benchmark.fmt("%,d", (long) Math.pow(10, e)), x - 20, TOP + PLOT_H + 18);
        }
        g.drawString("N (events in the answer, log scale)", left + PANEL / 2 - 100, TOP + PLOT_H + 36);
        int ticks = logY ? (int) (y1 - y0) : 5;
        for (int i = 0; i <= ticks; i++) {
            double v = logY ? Math.pow(10, y0 + i) : y1 * i / ticks;
            int y = TOP + PLOT_H - (int) ((double) i / ticks * PLOT_H);
            g.setColor(new Color(0xDD, 0xDD, 0xDD));
            g.drawLine(left, y, left + PANEL, y);
            g.setColor(Color.BLACK);
            g.drawString(Benchmark.fmt("%,.0f", v), left - 62, y + 4);
        }
        g.drawRect(left, TOP, PANEL, PLOT_H);
        for (String variant : VariantRunner.VARIANTS) {
            Color color = COLORS.get(variant);
            int lastX = -1;
            int lastY = -1;
            for (Results.Row row : rows) {
                if (!row.variant().equals(variant)) {
                    continue;
                }
                int x = left + (int) ((Math.log10(row.size()) - lx0) / (lx1 - lx0) * PANEL);
                g.setColor(color);
                if (!row.ok()) {
                    int y = TOP + PLOT_H - 12;
                    g.setStroke(new BasicStroke(3));
                    g.drawLine(x - 7, y - 7, x + 7, y + 7);
                    g.drawLine(x - 7, y + 7, x + 7, y - 7);
                    g.setStroke(new BasicStroke(1));
                    String label = (row.failure().startsWith("OOM") ? "OOM" : "not measured") + " (" + variant + ")";
                    int labelX = x + 10 + g.getFontMetrics().stringWidth(label) > left + PANEL
                            ? x - 10 - g.getFontMetrics().stringWidth(label) : x + 10;
                    g.drawString(label, labelX, y - 4 - 14 * List.of(VariantRunner.VARIANTS).indexOf(variant) % 42);
                    lastX = -1;
                    continue;
                }
                double v = value.applyAsDouble(row);
                double f = logY ? (Math.log10(Math.max(v, 1e-9)) - y0) / (y1 - y0) : v / y1;
                int y = TOP + PLOT_H - (int) (Math.max(0, Math.min(1, f)) * PLOT_H);
                g.fillOval(x - 5, y - 5, 10, 10);
                if (lastX >= 0) {
                    g.setStroke(new BasicStroke(2.5f));
                    g.drawLine(lastX, lastY, x, y);
                    g.setStroke(new BasicStroke(1));
                }
                lastX = x;
                lastY = y;
            }
        }
    }

    private static void legend(Graphics2D g, List<Results.Row> rows, int left, int top) {
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
        int x = left;
        int y = top;
        for (String variant : VariantRunner.VARIANTS) {
            if (rows.stream().noneMatch(r -> r.variant().equals(variant))) {
                continue;
            }
            String label = Results.LABELS.get(variant);
            int width = g.getFontMetrics().stringWidth(label) + 40;
            if (x + width > WIDTH - 20) {
                x = left;
                y += 22;
            }
            g.setColor(COLORS.get(variant));
            g.fillRect(x, y - 10, 22, 10);
            g.setColor(Color.BLACK);
            g.drawString(label, x + 28, y);
            x += width;
        }
    }

    private static double niceCeiling(double max) {
        double step = Math.pow(10, Math.floor(Math.log10(max)));
        for (double m : new double[] {1, 2, 2.5, 5, 10}) {
            if (m * step >= max) {
                return m * step;
            }
        }
        return 10 * step;
    }
}
