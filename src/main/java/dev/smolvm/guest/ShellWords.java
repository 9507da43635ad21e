package dev.smolvm.guest;

import dev.smolvm.SmolvmException;

import java.util.ArrayList;
import java.util.List;

/** POSIX shell quoting and word splitting. Pure. */
public final class ShellWords {
    private ShellWords() {
    }

    /** Quotes one word so a POSIX shell reads it back unchanged. */
    public static String quote(String word) {
        if (!word.isEmpty() && word.matches("[A-Za-z0-9_@%+=:,./-]+")) {
            return word;
        }
        return "'" + word.replace("'", "'\\''") + "'";
    }

    public static String quoteAll(List<String> words) {
        return String.join(" ", words.stream().map(ShellWords::quote).toList());
    }

    /**
     * Splits a command line into words the way a shell would for quoting purposes (single quotes,
     * double quotes, backslash), without expanding anything.
     */
    public static List<String> split(String line) {
        List<String> words = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        boolean inWord = false;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (c == '\'') {
                int end = line.indexOf('\'', i + 1);
                if (end < 0) {
                    throw SmolvmException.invalid("unterminated single quote in command: " + line);
                }
                cur.append(line, i + 1, end);
                i = end;
                inWord = true;
            } else if (c == '"') {
                i++;
                while (i < line.length() && line.charAt(i) != '"') {
                    char d = line.charAt(i);
                    if (d == '\\' && i + 1 < line.length() && "\"\\$`".indexOf(line.charAt(i + 1)) >= 0) {
                        d = line.charAt(++i);
                    }
                    cur.append(d);
                    i++;
                }
                if (i >= line.length()) {
                    throw SmolvmException.invalid("unterminated double quote in command: " + line);
                }
                inWord = true;
            } else if (c == '\\' && i + 1 < line.length()) {
                cur.append(line.charAt(++i));
                inWord = true;
            } else if (Character.isWhitespace(c)) {
                if (inWord) {
                    words.add(cur.toString());
                    cur.setLength(0);
                    inWord = false;
                }
            } else {
                cur.append(c);
                inWord = true;
            }
        }
        if (inWord) {
            words.add(cur.toString());
        }
        return words;
    }
}
