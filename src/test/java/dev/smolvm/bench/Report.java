package dev.smolvm.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Writes bench/results/latest.md (a table) and latest.json. */
final class Report {
    private final List<Row> rows = new ArrayList<>();
    private final Map<String, Object> context = new LinkedHashMap<>();

    void context(String key, Object value) {
        context.put(key, value);
    }

    void add(Row row) {
        rows.add(row);
        System.err.printf(Locale.ROOT, "  %-12s %-28s %-22s median %10.3f %-6s (min %.3f, max %.3f, n=%d)%s%n",
                row.section(), row.figure(), row.path(), row.stats().median(), row.unit(), row.stats().min(),
                row.stats().max(), row.stats().n(), row.ratio() == null ? "" : String.format(Locale.ROOT,
                        "  ratio %.2f vs %s", row.ratio(), row.baselinePath()));
    }

    void write(Path dir) throws IOException {
        Files.createDirectories(dir);
        StringBuilder md = new StringBuilder("# smolvm benchmarks\n\n");
        context.forEach((k, v) -> md.append("- ").append(k).append(": ").append(v).append('\n'));
        md.append("\nEach figure is the median of repeated runs (min–max beside it), measured side by side with its ")
                .append("baseline in the same run. Ratio = figure / baseline.\n\n");
        md.append("| section | figure | path | median | min–max | n | ratio | vs | target |\n");
        md.append("| --- | --- | --- | ---: | ---: | ---: | ---: | --- | --- |\n");
        for (Row r : rows) {
            md.append(String.format(Locale.ROOT, "| %s | %s | %s | %.3f %s | %.3f–%.3f | %d | %s | %s | %s |%n",
                    r.section(), r.figure(), r.path(), r.stats().median(), r.unit(), r.stats().min(), r.stats().max(),
                    r.stats().n(), r.ratio() == null ? "" : String.format(Locale.ROOT, "%.2f", r.ratio()),
                    r.baselinePath() == null ? "" : r.baselinePath(), r.target() == null ? "" : r.target()));
        }
        Files.writeString(dir.resolve("latest.md"), md.toString());
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("generated_at", Instant.now().toString());
        json.put("context", context);
        List<Map<String, Object>> out = new ArrayList<>();
        for (Row r : rows) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("section", r.section());
            m.put("figure", r.figure());
            m.put("path", r.path());
            m.put("unit", r.unit());
            m.put("median", r.stats().median());
            m.put("min", r.stats().min());
            m.put("max", r.stats().max());
            m.put("p99", r.stats().p99());
            m.put("n", r.stats().n());
            m.put("baseline", r.baselinePath());
            m.put("ratio", r.ratio());
            m.put("target", r.target());
            out.add(m);
        }
        json.put("rows", out);
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(dir.resolve("latest.json").toFile(), json);
    }
}
