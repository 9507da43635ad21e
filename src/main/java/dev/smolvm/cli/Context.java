package dev.smolvm.cli;

import dev.smolvm.Smolvm;
import dev.smolvm.host.Progress;

import java.io.InputStream;
import java.io.PrintStream;
import java.util.Map;

/** What a CLI run works with: environment, streams, and the core (opened on first use). */
public final class Context implements AutoCloseable {
    final Map<String, String> env;
    final PrintStream out;
    final PrintStream err;
    final InputStream in;
    private Smolvm smolvm;

    public Context(Map<String, String> env, PrintStream out, PrintStream err, InputStream in) {
        this.env = env;
        this.out = out;
        this.err = err;
        this.in = in;
    }

    Smolvm smolvm() {
        if (smolvm == null) {
            dev.smolvm.host.Trace.mark("core: opening");
            smolvm = Smolvm.open(env);
            dev.smolvm.host.Trace.mark("core: open");
        }
        return smolvm;
    }

    /** Progress goes to stderr, never into the JSON on stdout. */
    Progress progress() {
        return Progress.to(err);
    }

    @Override
    public void close() {
        if (smolvm != null) {
            smolvm.close();
        }
    }
}
