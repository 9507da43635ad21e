package dev.smolvm.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** The root command: only groups; running it bare is a usage error that lists them. */
@Command(name = "smolvm",
        mixinStandardHelpOptions = true,
        versionProvider = SmolvmCommand.Version.class,
        description = {
                "Disposable, hardware-isolated microVM sandboxes.",
                "",
                "Quick start:",
                "  smolvm sandbox create --name demo      boot a sandbox (sets up the host on first use)",
                "  smolvm sandbox exec demo -- uname -a   run a command in it",
                "  smolvm sandbox delete --force demo     throw it away"},
        footer = {"", "State lives in ~/.smolvm (override with SMOLVM_HOME). Docs: docs/ in the smolvm repository."})
public final class SmolvmCommand implements Runnable {
    final Context context;

    @Spec
    CommandSpec spec;

    SmolvmCommand(Context context) {
        this.context = context;
    }

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "missing command: choose one of sandbox, port, server, image, setup, doctor, prune");
    }

    static final class Version implements picocli.CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = SmolvmCommand.class.getPackage().getImplementationVersion();
            return new String[] {"smolvm " + (v == null ? "dev" : v)};
        }
    }
}
