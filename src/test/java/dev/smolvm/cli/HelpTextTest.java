package dev.smolvm.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class HelpTextTest {
    @TempDir
    Path home;

    /** The first description line is what a parent's command list shows: it must be a whole sentence. */
    @Test
    void everyCommandSummaryIsAWholeSentence() {
        try (Context ctx = new Context(Map.of(), new PrintStream(PrintStream.nullOutputStream()),
                new PrintStream(PrintStream.nullOutputStream()), System.in)) {
            List<String> cut = new ArrayList<>();
            walk(Main.commandLine(ctx, new String[0]), cut);
            assertThat(cut).isEmpty();
        }
    }

    private static void walk(CommandLine cl, List<String> cut) {
        String[] description = cl.getCommandSpec().usageMessage().description();
        if (description.length > 0 && !description[0].endsWith(".")) {
            cut.add(cl.getCommandSpec().qualifiedName(" ") + ": " + description[0]);
        }
        cl.getSubcommands().values().forEach(sub -> walk(sub, cut));
    }

    @Test
    void theSetupLineOfTheTopLevelHelpIsNotCut() {
        var r = InProcess.run(home, "--help");
        assertThat(r.out()).contains("  setup    Prepare this host: install packages, SSH key and guest image.\n");
    }
}
