package dev.smolvm.bench;

import dev.smolvm.e2e.Cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** CLI start-up: {@code smolvm port list} and {@code smolvm sandbox list} against {@code java -version} with the same flags. */
final class CliBench {
    private CliBench() {
    }

    static void run(Cli cli, String sandbox, boolean quick, Report report) {
        int n = quick ? 3 : 15;
        Map<String, List<String>> commands = new LinkedHashMap<>();
        commands.put("java -version (same flags)", List.of(Proc.launcher(), "--launcher-java-version"));
        commands.put("smolvm port list", List.of(Proc.launcher(), "port", "list", sandbox));
        commands.put("smolvm sandbox list", List.of(Proc.launcher(), "sandbox", "list"));
        commands.put("smolvm --version", List.of(Proc.launcher(), "--version"));
        Map<String, List<Double>> samples = new LinkedHashMap<>();
        commands.keySet().forEach(k -> samples.put(k, new ArrayList<>()));
        for (int i = 0; i < n + 1; i++) {
            for (var e : commands.entrySet()) {
                double ms = Proc.timeOk(e.getValue(), cli.env());
                if (i > 0) {
                    samples.get(e.getKey()).add(ms);
                }
            }
        }
        Stats floor = Stats.of(samples.get("java -version (same flags)"));
        for (var e : samples.entrySet()) {
            Stats s = Stats.of(e.getValue());
            boolean base = e.getKey().startsWith("java");
            report.add(new Row("cli start-up", e.getKey(), "launcher", "ms", s, base ? null : "java -version",
                    base ? null : s.median() / floor.median(),
                    e.getKey().contains("list") ? "<= 200 ms median" : null));
        }
    }
}
