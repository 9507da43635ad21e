package dev.smolvm.cli;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class TableTest {
    private static final String SPEC_BODY = String.join("\n",
            "┏━━━━━━━━━━━┳━━━━━━━━━━━━━━┳━━━━━━━━━━━━┓",
            "┃ Host port ┃ Sandbox port ┃ Transport  ┃",
            "┡━━━━━━━━━━━╇━━━━━━━━━━━━━━╇━━━━━━━━━━━━┩",
            "│      8080 │         3000 │ ssh_tunnel │",
            "│      9000 │         9000 │ nftables   │",
            "└───────────┴──────────────┴────────────┘") + "\n";

    private static Table specTable(String title) {
        return new Table(title, "Host port", "Sandbox port", "Transport")
                .row(8080, 3000, "ssh_tunnel")
                .row(9000, 9000, "nftables");
    }

    @Test
    void specExampleBodyRendersExactly() {
        String out = specTable("Port Forwards — my-vm").render();
        int nl = out.indexOf('\n');
        assertThat(out.substring(nl + 1)).isEqualTo(SPEC_BODY);
    }

    @Test
    void titleIsCentredOverTheBoxOnItsOwnLine() {
        // Centred as Rich centres a table title: (41 - 21) / 2 = 10 spaces for the spec's example.
        String out = specTable("Port Forwards — my-vm").render();
        String first = out.substring(0, out.indexOf('\n'));
        assertThat(first).isEqualTo(" ".repeat(10) + "Port Forwards — my-vm");
    }

    @Test
    void noTitleStartsWithTheBox() {
        assertThat(specTable(null).render()).isEqualTo(SPEC_BODY);
    }

    @Test
    void nullCellRendersAsDashAndMixedColumnIsLeftAligned() {
        String out = new Table(null, "Name", "Port")
                .row("a", null)
                .row("bb", 22)
                .render();
        assertThat(out).isEqualTo(String.join("\n",
                "┏━━━━━━┳━━━━━━┓",
                "┃ Name ┃ Port ┃",
                "┡━━━━━━╇━━━━━━┩",
                "│ a    │ -    │",
                "│ bb   │ 22   │",
                "└──────┴──────┘") + "\n");
    }

    @Test
    void negativeNumbersAreRightAligned() {
        String out = new Table(null, "Exit").row(-1).row(0).render();
        assertThat(out).contains("│   -1 │\n", "│    0 │\n");
    }

    @Test
    void emptyTableHasHeaderAndClosingLineOnly() {
        assertThat(new Table(null, "A", "BB").render()).isEqualTo(String.join("\n",
                "┏━━━┳━━━━┓",
                "┃ A ┃ BB ┃",
                "┡━━━╇━━━━┩",
                "└───┴────┘") + "\n");
    }
}
