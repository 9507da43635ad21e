package dev.smolvm.cli;

import dev.smolvm.sandbox.SandboxFiles;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.util.LinkedHashMap;
import java.util.Map;

@Command(name = "file",
        mixinStandardHelpOptions = true,
        description = {"Copy files and directories into and out of a running sandbox, through its guest agent.",
                "Files are streamed (any size, binary-safe), keep their mode, and replace their target atomically:",
                "a transfer that fails midway leaves the old file. Directories travel as a tar stream."},
        footer = {"", "Examples:",
                "  smolvm sandbox file upload demo ./app.tar.gz /srv/app.tar.gz",
                "  smolvm sandbox file upload demo ./site /var/www/site      # a directory",
                "  smolvm sandbox file download demo /var/log/syslog ./syslog"})
final class SandboxFileCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "missing subcommand: choose one of upload, download");
    }

    static Map<String, Object> json(String sandbox, String direction, String from, String to, SandboxFiles.Transfer t) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("sandbox", sandbox);
        m.put("direction", direction);
        m.put("source", from);
        m.put("destination", to);
        m.put("kind", t.kind());
        m.put("bytes", t.bytes());
        m.put("mode", t.mode() == null ? null : String.format("%04o", t.mode()));
        return m;
    }

    static String human(SandboxFiles.Transfer t) {
        return t.kind().equals("directory") ? "directory (" + t.bytes() + " bytes of tar)"
                : t.bytes() + " bytes, mode " + String.format("%04o", t.mode());
    }
}
