package dev.smolvm.cli;

import dev.smolvm.image.Images;
import picocli.CommandLine.Command;

/** Hidden: prints the image recipe hash (the test suites key their shared image cache by it). */
@Command(name = "recipe", hidden = true, description = "Print the guest image recipe hash.")
final class ImageRecipe extends BaseCommand {
    @Override
    int run() {
        return emit(java.util.Map.of("recipe", Images.recipe()), () -> ctx().out.println(Images.recipe()));
    }
}
