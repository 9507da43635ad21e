package dev.smolvm.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

@Command(name = "env",
        mixinStandardHelpOptions = true,
        description = {"Keep environment variables for a sandbox.",
                "They apply to every later exec (over the image's defaults, under the exec's own --env), are",
                "written into the guest's /etc/profile.d/smolvm-env.sh for login shells and ssh sessions, and",
                "last across stop and start until unset or the sandbox is deleted."},
        footer = {"", "Examples:",
                "  smolvm sandbox env set demo DEBUG=1 API_URL=http://10.0.0.1:8080",
                "  smolvm sandbox exec demo -- sh -c 'echo $DEBUG'",
                "  smolvm sandbox env list demo",
                "  smolvm sandbox env unset demo DEBUG"})
final class SandboxEnvCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "missing subcommand: choose one of set, unset, list");
    }

    static Map<String, Object> json(String sandbox, Map<String, String> env) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("sandbox", sandbox);
        m.put("env", new TreeMap<>(env));
        return m;
    }

    static void print(java.io.PrintStream out, Map<String, String> env) {
        new TreeMap<>(env).forEach((k, v) -> out.println(k + "=" + v));
    }
}
