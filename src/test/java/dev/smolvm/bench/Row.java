package dev.smolvm.bench;

/**
 * One reported figure: what was measured, over which path, and how it compares with the limit
 * measured in the same run ({@code ratio} = this / baseline; for "higher is better" units the
 * report says so).
 */
record Row(String section, String figure, String path, String unit, Stats stats, String baselinePath, Double ratio,
           String target) {
}
