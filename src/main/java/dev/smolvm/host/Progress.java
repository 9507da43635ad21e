package dev.smolvm.host;

import java.io.PrintStream;

/** Where long work (package install, image build, boot) reports what it is doing. */
@FunctionalInterface
public interface Progress {
    void step(String message);

    Progress SILENT = message -> { };

    static Progress to(PrintStream stream) {
        return message -> {
            stream.println(message);
            stream.flush();
        };
    }
}
