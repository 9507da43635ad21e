package dev.smolvm.cli;

import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.util.concurrent.Callable;

/**
 * What every leaf command shares: {@code --json}, the context, and rendering a result either as
 * the JSON envelope or as text for people.
 */
abstract class BaseCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--json", description = "Emit machine-readable JSON output.")
    boolean json;

    Context ctx() {
        return ((SmolvmCommand) spec.root().userObject()).context;
    }

    /** The command's name as the envelope shows it, e.g. {@code sandbox create}. */
    String commandName() {
        return Envelope.commandName(spec.qualifiedName(" "));
    }

    @Override
    public final Integer call() {
        return run();
    }

    abstract int run();

    /** Prints {@code data} as the envelope with {@code --json}, else runs {@code human}. */
    int emit(Object data, Runnable human) {
        return emit(0, data, human);
    }

    int emit(int exitCode, Object data, Runnable human) {
        if (json) {
            ctx().out.println(Envelope.render(Envelope.success(commandName(), exitCode, data)));
        } else {
            human.run();
        }
        return exitCode;
    }
}
