package dev.smolvm.cli;

import dev.smolvm.ErrorCode;
import dev.smolvm.SmolvmException;
import picocli.CommandLine;
import picocli.CommandLine.ParameterException;

import java.io.InputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.util.Arrays;
import java.util.Map;

/** The {@code smolvm} command: parses, runs one core call, renders; maps errors to exit codes once. */
public final class Main {
    public static final int EXIT_OK = 0;
    public static final int EXIT_ERROR = 1;
    public static final int EXIT_USAGE = 2;

    private Main() {
    }

    public static void main(String[] args) {
        dev.smolvm.host.Trace.mark("jvm: main");
        int code = run(args, System.getenv(), System.out, System.err, System.in);
        System.out.flush();
        System.exit(code);
    }

    /** Runs one CLI invocation in-process; what tests call. */
    public static int run(String[] args, Map<String, String> env, PrintStream out, PrintStream err, InputStream in) {
        try (Context ctx = new Context(env, out, err, in)) {
            CommandLine cl = commandLine(ctx, args);
            return cl.execute(args);
        }
    }

    static CommandLine commandLine(Context ctx, String[] args) {
        CommandLine cl = new CommandLine(new SmolvmCommand(ctx));
        CommandTree.attach(cl, args);
        cl.setOut(new PrintWriter(ctx.out, true));
        cl.setErr(new PrintWriter(ctx.err, true));
        WireNameOptions.register(cl);
        cl.setParameterExceptionHandler(Main::usageError);
        cl.setExecutionStrategy(parsed -> {
            UnknownCommand.check(parsed); // before --help is honoured
            return new CommandLine.RunLast().execute(parsed);
        });
        cl.setExecutionExceptionHandler((e, commandLine, parseResult) -> failure(e, commandLine, ctx));
        return cl;
    }

    private static int usageError(ParameterException e, String[] args) {
        CommandLine cl = e.getCommandLine();
        SmolvmCommand root = (SmolvmCommand) rootOf(cl).getCommand();
        Context ctx = root.context;
        String name = Envelope.commandName(cl.getCommandSpec().qualifiedName(" "));
        String unknown = UnknownCommand.sentence(e);
        String message = unknown != null ? unknown : e.getMessage();
        if (Arrays.asList(args).contains("--json")) {
            ctx.out.println(Envelope.render(Envelope.failure(name, EXIT_USAGE, "usage", message)));
        } else {
            ctx.err.println("smolvm: " + message);
            ctx.err.println("Try 'smolvm " + (name.isEmpty() ? "" : name + " ") + "--help' for usage.");
        }
        return EXIT_USAGE;
    }

    private static int failure(Exception e, CommandLine cl, Context ctx) {
        String code;
        String message;
        if (e instanceof SmolvmException se) {
            code = se.code().wireName();
            message = se.getMessage();
        } else {
            code = ErrorCode.INTERNAL.wireName();
            message = "unexpected error: " + e;
            if (ctx.env.containsKey("SMOLVM_DEBUG")) {
                e.printStackTrace(ctx.err);
            }
        }
        Object command = cl.getCommand();
        boolean json = command instanceof BaseCommand b && b.json;
        if (json) {
            String name = Envelope.commandName(cl.getCommandSpec().qualifiedName(" "));
            ctx.out.println(Envelope.render(Envelope.failure(name, EXIT_ERROR, code, message)));
        } else {
            ctx.err.println("smolvm: " + message);
        }
        return EXIT_ERROR;
    }

    private static CommandLine rootOf(CommandLine cl) {
        while (cl.getParent() != null) {
            cl = cl.getParent();
        }
        return cl;
    }
}
