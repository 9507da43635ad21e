package dev.smolvm.sandbox;

import java.io.OutputStream;
import java.util.function.BiFunction;

/**
 * A command run with its output captured, each stream up to {@link CapturedOutput#DEFAULT_LIMIT}:
 * the one output cap both doors use ({@code sandbox exec --json}, {@code POST /sandboxes/{id}/exec}).
 * {@code truncated}: stdout or stderr passed the limit and the rest was dropped.
 */
public record CapturedExec(ExecResult result, String stdout, String stderr, boolean truncated) {
    static CapturedExec run(BiFunction<OutputStream, OutputStream, ExecResult> exec) {
        CapturedOutput out = new CapturedOutput();
        CapturedOutput err = new CapturedOutput();
        ExecResult r = exec.apply(out, err);
        return new CapturedExec(r, out.text(), err.text(), out.truncated() || err.truncated());
    }
}
