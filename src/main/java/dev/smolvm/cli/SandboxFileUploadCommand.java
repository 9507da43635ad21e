package dev.smolvm.cli;

import dev.smolvm.sandbox.SandboxFiles;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;

@Command(name = "upload",
        mixinStandardHelpOptions = true,
        description = {"Copy a local file or directory into a running sandbox.",
                "A file is streamed to the guest and renamed over GUEST_PATH only once all of it has arrived, with",
                "the local file's mode (or --mode). A directory is sent as a tar stream and unpacked at GUEST_PATH",
                "(into it, if it exists). Missing parent directories are created unless --no-create-dirs."},
        footer = {"", "Examples:",
                "  smolvm sandbox file upload demo ./run.sh /usr/local/bin/run.sh --mode 755",
                "  smolvm sandbox file upload demo ./data /root/data --json"})
final class SandboxFileUploadCommand extends BaseCommand {
    @Parameters(index = "0", paramLabel = "SANDBOX", description = "Name or ID of the sandbox.")
    String sandbox;

    @Parameters(index = "1", paramLabel = "LOCAL_PATH", description = "The local file or directory to copy.")
    Path local;

    @Parameters(index = "2", paramLabel = "GUEST_PATH", description = "Where it goes in the sandbox (an absolute path).")
    String guest;

    @Option(names = "--no-create-dirs", description = "Fail if the guest path's parent directory does not exist.")
    boolean noCreateDirs;

    @Option(names = "--mode", paramLabel = "OCTAL", description = "The file's mode in the guest, e.g. 0644 "
            + "(default: the local file's).")
    String mode;

    @Override
    int run() {
        SandboxFiles.Transfer t = ctx().smolvm().files().upload(sandbox, local, guest,
                SandboxFiles.parseMode(mode, "--mode"), !noCreateDirs);
        return emit(SandboxFileCommand.json(sandbox, "upload", local.toString(), guest, t),
                () -> ctx().out.println("Uploaded " + local + " to " + sandbox + ":" + guest + " ("
                        + SandboxFileCommand.human(t) + ")"));
    }
}
