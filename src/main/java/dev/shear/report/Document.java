package dev.shear.report;

import java.util.ArrayList;
import java.util.List;

/** A report as sections of paragraphs, tables and images; rendered to Markdown and HTML. */
public final class Document {
    final String title;
    final List<Object> blocks = new ArrayList<>();

    record Heading(String text) {}
    record Para(String text) {}
    record Table(List<String> header, List<List<String>> rows) {}
    record Image(String file, String caption) {}

    public Document(String title) { this.title = title; }

    public Document heading(String text) { blocks.add(new Heading(text)); return this; }

    public Document para(String text) { blocks.add(new Para(text)); return this; }

    public Document table(List<String> header, List<List<String>> rows) { blocks.add(new Table(List.copyOf(header), List.copyOf(rows))); return this; }

    public Document image(String file, String caption) { blocks.add(new Image(file, caption)); return this; }

    public String markdown() {
        StringBuilder sb = new StringBuilder("# ").append(title).append("\n\n");
        for (Object b : blocks) {
            if (b instanceof Heading h) sb.append("## ").append(h.text()).append("\n\n");
            else if (b instanceof Para p) sb.append(p.text()).append("\n\n");
            else if (b instanceof Image i) sb.append("![").append(i.caption()).append("](").append(i.file()).append(")\n\n");
            else if (b instanceof Table t) {
                sb.append("| ").append(String.join(" | ", t.header())).append(" |\n|");
                sb.append(" --- |".repeat(t.header().size())).append('\n');
                for (List<String> row : t.rows()) sb.append("| ").append(String.join(" | ", row)).append(" |\n");
                sb.append('\n');
            }
        }
        return sb.toString();
    }

    public String html() {
        StringBuilder sb = new StringBuilder("<!doctype html><html><head><meta charset=\"utf-8\"><title>").append(esc(title))
                .append("</title><style>body{font-family:system-ui,sans-serif;max-width:960px;margin:2em auto;padding:0 1em;color:#222}"
                        + "table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:4px 10px;text-align:right}"
                        + "th{background:#f0f0f0}td:first-child,th:first-child{text-align:left}img{max-width:100%}figcaption{color:#666}</style></head><body>");
        sb.append("<h1>").append(esc(title)).append("</h1>");
        for (Object b : blocks) {
            if (b instanceof Heading h) sb.append("<h2>").append(esc(h.text())).append("</h2>");
            else if (b instanceof Para p) sb.append("<p>").append(esc(p.text())).append("</p>");
            else if (b instanceof Image i) sb.append("<figure><img src=\"").append(esc(i.file())).append("\"><figcaption>").append(esc(i.caption())).append("</figcaption></figure>");
            else if (b instanceof Table t) {
                sb.append("<table><tr>");
                for (String h : t.header()) sb.append("<th>").append(esc(h)).append("</th>");
                sb.append("</tr>");
                for (List<String> row : t.rows()) {
                    sb.append("<tr>");
                    for (String c : row) sb.append("<td>").append(esc(c)).append("</td>");
                    sb.append("</tr>");
                }
                sb.append("</table>");
            }
        }
        return sb.append("</body></html>\n").toString();
    }

    private static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
