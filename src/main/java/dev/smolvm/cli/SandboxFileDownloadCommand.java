package dev.smolvm.cli;

import dev.smolvm.sandbox.SandboxFiles;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;

@Command(name = "download",
        mixinStandardHelpOptions = true,
        description = {"Copy a file or directory out of a running sandbox.",
                "A file is streamed into a temporary file next to LOCAL_PATH, given the guest file's mode, and",
                "renamed over LOCAL_PATH only when complete. A directory comes as a tar stream and is unpacked at",
                "LOCAL_PATH (into it, if it exists; device files and set-uid bits are not carried over).",
                "Missing local parent directories are created unless --no-create-dirs."},
        footer = {"", "Examples:",
                "  smolvm sandbox file download demo /etc/os-release ./os-release",
                "  smolvm sandbox file download demo /var/log ./guest-logs --json"})
final class SandboxFileDownloadCommand extends BaseCommand {
    @Parameters(index = "0", paramLabel = "SANDBOX", description = "Name or ID of the sandbox.")
    String sandbox;

    @Parameters(index = "1", paramLabel = "GUEST_PATH", description = "The file or directory in the sandbox (absolute).")
    String guest;

    @Parameters(index = "2", paramLabel = "LOCAL_PATH", description = "Where it goes on this host.")
    Path local;

    @Option(names = "--no-create-dirs", description = "Fail if the local path's parent directory does not exist.")
    boolean noCreateDirs;

    @Override
    int run() {
        SandboxFiles.Transfer t = ctx().smolvm().files().download(sandbox, guest, local, !noCreateDirs);
        return emit(SandboxFileCommand.json(sandbox, "download", guest, local.toString(), t),
                () -> ctx().out.println("Downloaded " + sandbox + ":" + guest + " to " + local + " ("
                        + SandboxFileCommand.human(t) + ")"));
    }
}
