package dev.smolvm.cli;

import picocli.CommandLine;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.UnmatchedArgumentException;

import java.util.List;

/**
 * A word that names no command is a usage error with a sentence, also when {@code --help} follows
 * it: picocli would otherwise print the parent's help and exit 0, as if the command existed.
 */
final class UnknownCommand {
    private UnknownCommand() {
    }

    /** Throws the usage error for the first argument nothing took, if {@code parsed} has one. */
    static void check(ParseResult parsed) {
        for (ParseResult p = parsed; p != null; p = p.subcommand()) {
            if (!p.unmatched().isEmpty()) {
                CommandLine cl = p.commandSpec().commandLine();
                throw new UnmatchedArgumentException(cl, p.unmatched());
            }
        }
    }

    /** The sentence for an unknown subcommand of a group, or null when {@code e} is about something else. */
    static String sentence(ParameterException e) {
        if (!(e instanceof UnmatchedArgumentException u) || u.getUnmatched().isEmpty()) {
            return null;
        }
        CommandLine group = e.getCommandLine();
        String word = u.getUnmatched().get(0);
        if (group.getSubcommands().isEmpty() || word.startsWith("-")) {
            return null;
        }
        String name = ("smolvm " + Envelope.commandName(group.getCommandSpec().qualifiedName(" "))).strip();
        List<String> choices = group.getSubcommands().values().stream().distinct()
                .filter(c -> !c.getCommandSpec().usageMessage().hidden())
                .map(CommandLine::getCommandName).toList();
        return "unknown command '" + word + "' for '" + name + "': choose one of " + String.join(", ", choices) + ".";
    }
}
