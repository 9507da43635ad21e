package dev.smolvm.cli;

import java.util.ArrayList;
import java.util.List;

/**
 * A box-drawn table in the style the spec shows (heavy header, light body), with an optional
 * centred title. Numeric-looking cells are right-aligned. Pure.
 */
public final class Table {
    private final String title;
    private final List<String> headers;
    private final List<List<String>> rows = new ArrayList<>();

    public Table(String title, String... headers) {
        this.title = title;
        this.headers = List.of(headers);
    }

    public Table row(Object... cells) {
        List<String> r = new ArrayList<>();
        for (Object c : cells) {
            r.add(c == null ? "-" : String.valueOf(c));
        }
        rows.add(r);
        return this;
    }

    public String render() {
        int n = headers.size();
        int[] w = new int[n];
        boolean[] right = new boolean[n];
        for (int i = 0; i < n; i++) {
            w[i] = headers.get(i).length();
            right[i] = !rows.isEmpty();
            for (List<String> r : rows) {
                w[i] = Math.max(w[i], r.get(i).length());
                right[i] &= r.get(i).matches("-?\\d+");
            }
        }
        StringBuilder sb = new StringBuilder();
        int total = 1;
        for (int x : w) {
            total += x + 3;
        }
        if (title != null) {
            int pad = Math.max(0, (total - title.length()) / 2);
            sb.append(" ".repeat(pad)).append(title).append('\n');
        }
        sb.append(line('┏', '━', '┳', '┓', w));
        sb.append(cells('┃', headers, w, new boolean[n]));
        sb.append(line('┡', '━', '╇', '┩', w));
        for (List<String> r : rows) {
            sb.append(cells('│', r, w, right));
        }
        sb.append(line('└', '─', '┴', '┘', w));
        return sb.toString();
    }

    private static String line(char left, char fill, char mid, char rightEnd, int[] w) {
        StringBuilder sb = new StringBuilder().append(left);
        for (int i = 0; i < w.length; i++) {
            sb.append(String.valueOf(fill).repeat(w[i] + 2)).append(i == w.length - 1 ? rightEnd : mid);
        }
        return sb.append('\n').toString();
    }

    private static String cells(char sep, List<String> values, int[] w, boolean[] right) {
        StringBuilder sb = new StringBuilder().append(sep);
        for (int i = 0; i < w.length; i++) {
            String v = values.get(i);
            String padded = right[i] ? " ".repeat(w[i] - v.length()) + v : v + " ".repeat(w[i] - v.length());
            sb.append(' ').append(padded).append(' ').append(sep);
        }
        return sb.append('\n').toString();
    }
}
