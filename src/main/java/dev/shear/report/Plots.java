package dev.shear.report;

import java.awt.BasicStroke;
import java.awt.Color;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.category.DefaultCategoryDataset;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/** PNG charts for reports, written atomically. */
public final class Plots {
    private static final int WIDTH = 800, HEIGHT = 420;

    private Plots() {}

    static { System.setProperty("java.awt.headless", "true"); }

    /** One line per series; x is the index unless xs is given. */
    public static void lines(Path png, String title, String xLabel, String yLabel, Map<String, double[]> series, boolean logY) {
        XYSeriesCollection data = new XYSeriesCollection();
        for (Map.Entry<String, double[]> e : series.entrySet()) {
            XYSeries s = new XYSeries(e.getKey());
            double[] v = e.getValue();
            for (int i = 0; i < v.length; i++) if (Double.isFinite(v[i]) && (!logY || v[i] > 0)) s.add(i + 1, v[i]);
            data.addSeries(s);
        }
        JFreeChart chart = ChartFactory.createXYLineChart(title, xLabel, yLabel, data, PlotOrientation.VERTICAL, series.size() > 1, false, false);
        XYPlot plot = chart.getXYPlot();
        if (logY) plot.setRangeAxis(new org.jfree.chart.axis.LogarithmicAxis(yLabel));
        XYLineAndShapeRenderer r = new XYLineAndShapeRenderer(true, false);
        for (int i = 0; i < series.size(); i++) r.setSeriesStroke(i, new BasicStroke(2f));
        plot.setRenderer(r);
        style(chart);
        save(chart, png);
    }

    /** Grouped bars: one group per category, one bar per series. */
    public static void bars(Path png, String title, String yLabel, List<String> categories, Map<String, double[]> series) {
        DefaultCategoryDataset data = new DefaultCategoryDataset();
        for (Map.Entry<String, double[]> e : series.entrySet())
            for (int i = 0; i < categories.size(); i++) data.addValue(e.getValue()[i], e.getKey(), categories.get(i));
        JFreeChart chart = ChartFactory.createBarChart(title, null, yLabel, data, PlotOrientation.VERTICAL, series.size() > 1, false, false);
        style(chart);
        save(chart, png);
    }

    /** A labelled point of a scatter plot. */
    public record Point(double x, double y, String label) {}

    /**
     * Points per series, each labelled, and a line through {@code front} (for example a Pareto
     * front; empty for none), drawn first so the points stay visible.
     */
    public static void scatter(Path png, String title, String xLabel, String yLabel, Map<String, List<Point>> series, List<Point> front,
                               boolean logY) {
        XYSeriesCollection data = new XYSeriesCollection();
        List<List<Point>> labels = new java.util.ArrayList<>();
        if (!front.isEmpty()) {
            XYSeries f = new XYSeries("Pareto front", false);
            front.forEach(p -> f.add(p.x(), p.y()));
            data.addSeries(f);
            labels.add(List.of());
        }
        for (Map.Entry<String, List<Point>> e : series.entrySet()) {
            XYSeries s = new XYSeries(e.getKey(), false);
            e.getValue().forEach(p -> s.add(p.x(), p.y()));
            data.addSeries(s);
            labels.add(e.getValue());
        }
        JFreeChart chart = ChartFactory.createXYLineChart(title, xLabel, yLabel, data, PlotOrientation.VERTICAL, true, false, false);
        XYPlot plot = chart.getXYPlot();
        if (logY) plot.setRangeAxis(new org.jfree.chart.axis.LogarithmicAxis(yLabel));
        else ((org.jfree.chart.axis.NumberAxis) plot.getRangeAxis()).setAutoRangeIncludesZero(false);
        XYLineAndShapeRenderer r = new XYLineAndShapeRenderer(false, true);
        int first = front.isEmpty() ? 0 : 1;
        if (first == 1) {
            r.setSeriesLinesVisible(0, true);
            r.setSeriesShapesVisible(0, false);
            r.setSeriesStroke(0, new BasicStroke(1.5f, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND, 1f, new float[] {6f, 4f}, 0f));
            r.setSeriesPaint(0, Color.GRAY);
        }
        r.setDefaultItemLabelGenerator((d, s, i) -> labels.get(s).isEmpty() ? null : labels.get(s).get(i).label());
        r.setDefaultItemLabelsVisible(true);
        plot.setRenderer(r);
        style(chart);
        save(chart, png);
    }

    private static void style(JFreeChart chart) {
        chart.setBackgroundPaint(Color.WHITE);
        chart.getPlot().setBackgroundPaint(new Color(250, 250, 250));
    }

    private static void save(JFreeChart chart, Path png) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ChartUtils.writeChartAsPNG(out, chart, WIDTH, HEIGHT);
            Path dir = png.toAbsolutePath().getParent();
            Files.createDirectories(dir);
            Path tmp = Files.createTempFile(dir, ".plot", ".png");
            Files.write(tmp, out.toByteArray());
            Files.move(tmp, png, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new IllegalStateException(png + ": cannot write plot (" + e.getMessage() + ")", e);
        }
    }
}
