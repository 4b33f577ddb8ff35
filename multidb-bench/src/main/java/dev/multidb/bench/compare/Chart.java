package dev.multidb.bench.compare;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

import javax.imageio.ImageIO;

/**
 * One PNG per scenario, plain Java2D: one panel per client, x = seconds from the fault, y = successful writes per
 * 100 ms bucket (bars), vertical lines: red = fault / kill, orange = primary restarted, blue = client switched to the
 * standby, green = client back on the primary.
 */
final class Chart {

    /** A vertical line at {@code seconds} from the fault. */
    record Line(double seconds, Color color) {
    }

    /** One client's panel. */
    record Panel(String label, int[] buckets, int[] failedBuckets, List<Line> lines) {
    }

    static final int BUCKET_MS = 100;
    static final Color FAULT = new Color(200, 30, 30);
    static final Color RESTART = new Color(230, 140, 0);
    static final Color SWITCH = new Color(30, 80, 220);
    static final Color BACK = new Color(20, 150, 60);
    static final Color ERRORS = new Color(220, 0, 120);

    private static final int WIDTH = 1400;
    private static final int PANEL_H = 150;
    private static final int LEFT = 190;
    private static final int RIGHT = 30;
    private static final int TOP = 50;
    private static final int BOTTOM = 45;

    /** @param fromSeconds x of bucket 0 (negative: before the fault) */
    static void write(Path file, String title, double fromSeconds, List<Panel> panels) throws IOException {
        int height = TOP + panels.size() * PANEL_H + BOTTOM;
        BufferedImage img = new BufferedImage(WIDTH, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, WIDTH, height);
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 16));
        g.drawString(title, LEFT, 22);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        g.drawString("successful writes per " + BUCKET_MS + " ms; red = fault/kill, orange = restart, "
                + "blue = switched to standby, green = back on primary; magenta ×n = failed calls in that 100 ms", LEFT, 40);

        int buckets = panels.stream().mapToInt(p -> p.buckets().length).max().orElse(1);
        double toSeconds = fromSeconds + buckets * BUCKET_MS / 1000.0;
        int plotW = WIDTH - LEFT - RIGHT;
        for (int p = 0; p < panels.size(); p++) {
            Panel panel = panels.get(p);
            int y0 = TOP + p * PANEL_H + 8;
            int h = PANEL_H - 22;
            int max = 1;
            for (int v : panel.buckets()) {
                max = Math.max(max, v);
            }
            g.setColor(new Color(245, 245, 245));
            g.fillRect(LEFT, y0, plotW, h);
            g.setColor(Color.GRAY);
            g.drawRect(LEFT, y0, plotW, h);
            // bars
            g.setColor(new Color(90, 90, 90));
            double bw = plotW / (double) buckets;
            for (int b = 0; b < panel.buckets().length; b++) {
                int bh = (int) Math.round(h * panel.buckets()[b] / (double) max);
                g.fillRect(LEFT + (int) Math.floor(b * bw), y0 + h - bh, Math.max(1, (int) Math.ceil(bw)), bh);
            }
            // failed calls: a red mark under each bucket that had any, with the count
            g.setColor(ERRORS);
            g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 10));
            for (int b = 0; b < panel.failedBuckets().length; b++) {
                if (panel.failedBuckets()[b] > 0) {
                    int x = LEFT + (int) Math.floor(b * bw);
                    g.fillRect(x, y0 + h - 6, Math.max(3, (int) Math.ceil(bw)), 6);
                    g.drawString("×" + panel.failedBuckets()[b], x, y0 + h - 8);
                }
            }
            // x grid every second
            g.setColor(new Color(210, 210, 210));
            for (int s = (int) Math.ceil(fromSeconds); s <= toSeconds; s++) {
                int x = xOf(s, fromSeconds, toSeconds, plotW);
                g.drawLine(x, y0, x, y0 + h);
            }
            // event lines
            g.setStroke(new BasicStroke(2f));
            for (Line line : panel.lines()) {
                if (line.seconds() < fromSeconds || line.seconds() > toSeconds) {
                    continue;
                }
                g.setColor(line.color());
                int x = xOf(line.seconds(), fromSeconds, toSeconds, plotW);
                g.drawLine(x, y0, x, y0 + h);
            }
            g.setStroke(new BasicStroke(1f));
            // labels
            g.setColor(Color.BLACK);
            g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 13));
            g.drawString(panel.label(), 10, y0 + h / 2);
            g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
            g.drawString(String.valueOf(max), LEFT - 8 - g.getFontMetrics().stringWidth(String.valueOf(max)), y0 + 10);
            g.drawString("0", LEFT - 14, y0 + h);
        }
        // x axis labels
        int yAxis = TOP + panels.size() * PANEL_H + 2;
        g.setColor(Color.BLACK);
        int step = toSeconds - fromSeconds > 20 ? 2 : 1;
        for (int s = (int) Math.ceil(fromSeconds); s <= toSeconds; s++) {
            if (s % step != 0) {
                continue;
            }
            int x = xOf(s, fromSeconds, toSeconds, plotW);
            String label = String.format(Locale.ROOT, "%d", s);
            g.drawString(label, x - g.getFontMetrics().stringWidth(label) / 2, yAxis + 8);
        }
        g.drawString("seconds from the fault", LEFT + plotW / 2 - 60, yAxis + 28);
        g.dispose();
        Files.createDirectories(file.getParent());
        ImageIO.write(img, "png", file.toFile());
    }

    private static int xOf(double seconds, double from, double to, int plotW) {
        return LEFT + (int) Math.round((seconds - from) / (to - from) * plotW);
    }

    private Chart() {
    }
}
