package dev.smolvm.bench;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** Summary of repeated measurements of one figure. */
record Stats(double median, double min, double max, double p99, int n) {
    static Stats of(List<Double> samples) {
        if (samples.isEmpty()) {
            return new Stats(Double.NaN, Double.NaN, Double.NaN, Double.NaN, 0);
        }
        List<Double> s = new ArrayList<>(samples);
        Collections.sort(s);
        int n = s.size();
        double median = n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2;
        double p99 = s.get(Math.min(n - 1, (int) Math.ceil(0.99 * n) - 1));
        return new Stats(median, s.get(0), s.get(n - 1), p99, n);
    }
}
