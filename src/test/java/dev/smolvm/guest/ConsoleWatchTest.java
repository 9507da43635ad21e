package dev.smolvm.guest;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import static org.assertj.core.api.Assertions.assertThat;

class ConsoleWatchTest {
    @TempDir
    Path dir;

    @Test
    void seesTheMarkerEvenWhenItArrivesInTwoPieces() throws Exception {
        Path log = dir.resolve("console.log");
        ConsoleWatch watch = new ConsoleWatch(log, "smolvm: guest ready");
        assertThat(watch.seen()).as("no log yet").isFalse();
        Files.writeString(log, "[    1.0] booting\nsmolvm: gue");
        assertThat(watch.seen()).isFalse();
        Files.writeString(log, "st ready\n", StandardOpenOption.APPEND);
        assertThat(watch.seen()).isTrue();
        Files.writeString(log, "");
        assertThat(watch.seen()).as("once seen, stays seen").isTrue();
    }

    @Test
    void otherLinesDoNotCount() throws Exception {
        Path log = dir.resolve("console.log");
        Files.writeString(log, "smolvm: cannot mount /dev/vda\nsmolvm: guest not ready\n");
        assertThat(new ConsoleWatch(log, "smolvm: guest ready").seen()).isFalse();
    }
}
