package dev.smolvm.guest;

import dev.smolvm.ErrorCode;
import dev.smolvm.SmolvmException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

class ShellWordsTest {
    private static final List<String> TRICKY = List.of(
            "plain", "", " ", "a b", "  two  spaces  ", "it's", "'", "''", "'\\''", "\"", "\"quoted\"",
            "$HOME", "${PATH}", "`id`", "$(id)", "back\\slash", "\\", "\\n", "*", "?", "[a]", "~", "~root",
            "a\nb", "tab\there", "!", "!!", "#comment", ";", "&&", "||", "|", ">", "<", "2>&1", "{a,b}",
            "--flag=value", "-n", "-e", "%s", "%%", "é ünïcode ✓", "a=b c", "x'y\"z$w`v\\u");

    /** Runs the quoted words through /bin/sh and returns what it handed to printf, NUL-separated. */
    private static List<String> throughSh(String quotedWords) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("/bin/sh", "-c", "printf '%s\\0' " + quotedWords)
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
        byte[] out = p.getInputStream().readAllBytes();
        assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isZero();
        String s = new String(out, StandardCharsets.UTF_8);
        assertThat(s).endsWith("\0");
        return Arrays.asList(s.substring(0, s.length() - 1).split("\0", -1));
    }

    @Test
    void eachQuotedWordReadsBackUnchangedThroughSh() throws Exception {
        for (String w : TRICKY) {
            assertThat(throughSh(ShellWords.quote(w))).as("word [%s] quoted as [%s]", w, ShellWords.quote(w))
                    .containsExactly(w);
        }
    }

    @Test
    void quoteAllReadsBackAsTheSameArgvThroughSh() throws Exception {
        assertThat(throughSh(ShellWords.quoteAll(TRICKY))).containsExactlyElementsOf(TRICKY);
    }

    @Test
    void splitInvertsQuoteAll() {
        assertThat(ShellWords.split(ShellWords.quoteAll(TRICKY))).containsExactlyElementsOf(TRICKY);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '^', value = {
            "abc|abc",
            "a-b_c@d%e+f=g:h,i./j|a-b_c@d%e+f=g:h,i./j",
            "^^|''",
            "a b|'a b'",
            "it's|'it'\\''s'",
            "$HOME|'$HOME'",
            "*|'*'",
    })
    void quoteExact(String word, String expected) {
        assertThat(ShellWords.quote(word)).isEqualTo(expected);
    }

    @Test
    void quoteAllJoinsWithSingleSpaces() {
        assertThat(ShellWords.quoteAll(List.of("echo", "a b", "", "c"))).isEqualTo("echo 'a b' '' c");
    }

    @Test
    void splitHandlesQuotesAndBackslashes() {
        assertThat(ShellWords.split("echo 'a b' \"c \\\"d\\\"\" e\\ f"))
                .containsExactly("echo", "a b", "c \"d\"", "e f");
        assertThat(ShellWords.split("  a   b\t\nc  ")).containsExactly("a", "b", "c");
        assertThat(ShellWords.split("a'b'\"c\"d")).containsExactly("abcd");
        assertThat(ShellWords.split("'' \"\"")).containsExactly("", "");
        assertThat(ShellWords.split("'a\\b'")).containsExactly("a\\b");
        assertThat(ShellWords.split("\"a\\nb\"")).containsExactly("a\\nb");
        assertThat(ShellWords.split("\"\\$x \\` \\\\\"")).containsExactly("$x ` \\");
        assertThat(ShellWords.split("\"it's\"")).containsExactly("it's");
        assertThat(ShellWords.split("'say \"hi\"'")).containsExactly("say \"hi\"");
        assertThat(ShellWords.split("a\\'b")).containsExactly("a'b");
        assertThat(ShellWords.split("$HOME *")).containsExactly("$HOME", "*");
        assertThat(ShellWords.split("")).isEmpty();
        assertThat(ShellWords.split("   ")).isEmpty();
    }

    @Test
    void trailingBackslashIsKeptLiterally() {
        assertThat(ShellWords.split("abc\\")).containsExactly("abc\\");
    }

    @Test
    void unterminatedSingleQuote() {
        SmolvmException e = catchThrowableOfType(SmolvmException.class, () -> ShellWords.split("echo 'abc"));
        assertThat(e).isNotNull();
        assertThat(e.code()).isEqualTo(ErrorCode.INVALID_INPUT);
        assertThat(e.getMessage()).isEqualTo("unterminated single quote in command: echo 'abc");
    }

    @Test
    void unterminatedDoubleQuote() {
        for (String line : List.of("echo \"abc", "\"abc\\\"", "\"")) {
            SmolvmException e = catchThrowableOfType(SmolvmException.class, () -> ShellWords.split(line));
            assertThat(e).as(line).isNotNull();
            assertThat(e.code()).isEqualTo(ErrorCode.INVALID_INPUT);
            assertThat(e.getMessage()).isEqualTo("unterminated double quote in command: " + line);
        }
    }

    @Test
    void splitAgreesWithShOnQuotedInput() throws Exception {
        List<String> lines = List.of("echo 'a b' \"c \\\"d\\\"\" e\\ f", "a'b'\"c\"d", "'' x", "\"\\$x \\` \\\\\"");
        for (String line : lines) {
            List<String> sh = throughSh(line);
            assertThat(ShellWords.split(line)).as(line).containsExactlyElementsOf(new ArrayList<>(sh));
        }
    }
}
