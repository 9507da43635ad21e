package dev.smolvm.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** API: GET /sandboxes under load from a second process (wrk), beside GET /health (the framework floor). */
final class ApiBench {
    private static final Pattern RATE = Pattern.compile("Requests/sec:\\s+([0-9.]+)");
    private static final Pattern P50 = Pattern.compile("\\s50%\\s+([0-9.]+)(us|ms|s)");

    private ApiBench() {
    }

    static void run(int serverPort, boolean quick, Report report) {
        if (Proc.run(List.of("sh", "-c", "command -v wrk"), Map.of()).code() != 0) {
            System.err.println("bench: wrk is not installed (apt-get install wrk); skipping the API section");
            return;
        }
        int seconds = quick ? 2 : 10;
        int rounds = quick ? 1 : 3;
        List<Double> health = new ArrayList<>();
        List<Double> list = new ArrayList<>();
        List<Double> healthLat = new ArrayList<>();
        List<Double> listLat = new ArrayList<>();
        for (int i = 0; i < rounds; i++) {
            double[] h = wrk(serverPort, "/health", seconds);
            double[] l = wrk(serverPort, "/sandboxes", seconds);
            health.add(h[0]);
            healthLat.add(h[1]);
            list.add(l[0]);
            listLat.add(l[1]);
        }
        Stats hs = Stats.of(health);
        Stats ls = Stats.of(list);
        report.add(new Row("api", "GET /health rate (wrk -t2 -c16)", "http", "req/s", hs, null, null, null));
        report.add(new Row("api", "GET /sandboxes rate (wrk -t2 -c16)", "http", "req/s", ls, "GET /health",
                ls.median() / hs.median(), null));
        Stats hl = Stats.of(healthLat);
        Stats ll = Stats.of(listLat);
        report.add(new Row("api", "GET /health p50 latency", "http", "ms", hl, null, null, null));
        report.add(new Row("api", "GET /sandboxes p50 latency", "http", "ms", ll, "GET /health", ll.median() / hl.median(), null));
    }

    private static double[] wrk(int port, String path, int seconds) {
        var r = Proc.run(List.of("wrk", "-t2", "-c16", "-d" + seconds + "s", "--latency",
                "http://127.0.0.1:" + port + path), Map.of());
        Matcher rate = RATE.matcher(r.out());
        Matcher p50 = P50.matcher(r.out());
        if (r.code() != 0 || !rate.find() || !p50.find()) {
            throw new IllegalStateException("wrk failed: " + r.out());
        }
        double lat = Double.parseDouble(p50.group(1));
        lat = switch (p50.group(2)) {
            case "us" -> lat / 1000;
            case "s" -> lat * 1000;
            default -> lat;
        };
        return new double[] {Double.parseDouble(rate.group(1)), lat};
    }

    static String fmt(double d) {
        return String.format(Locale.ROOT, "%.1f", d);
    }
}
