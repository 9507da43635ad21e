package dev.smolvm.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

@Command(name = "sandbox",
        mixinStandardHelpOptions = true,
        description = "Create, run commands in, and throw away microVM sandboxes.")
final class SandboxCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(),
                "missing subcommand: choose one of create, list, info, start, stop, pause, resume, snapshot, fork, delete, exec, shell, ssh, logs, file, env, port");
    }
}
