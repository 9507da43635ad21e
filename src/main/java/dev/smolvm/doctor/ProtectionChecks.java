package dev.smolvm.doctor;

import dev.smolvm.Home;
import dev.smolvm.host.FileModes;
import dev.smolvm.host.Cmd;
import dev.smolvm.doctor.Doctor.Check;
import dev.smolvm.doctor.Doctor.Level;
import dev.smolvm.network.NetworkMode;
import dev.smolvm.network.NftRuleset;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The doctor's report of which protections are active on this host (docs/security.md explains each). */
final class ProtectionChecks {
    private ProtectionChecks() {
    }

    static List<Check> run(Home home, NetworkMode networkMode) {
        List<Check> checks = new ArrayList<>();
        checks.add(guestIsolation(networkMode));
        checks.add(statePrivacy(home));
        checks.add(new Check("api guard", Level.PASS, "smolvm server binds 127.0.0.1 by default, answers only "
                + "loopback or its own Host names, refuses any Origin not named by --allow-origin and non-JSON "
                + "bodies, and requires a token on any other address", null));
        return checks;
    }

    private static Check guestIsolation(NetworkMode networkMode) {
        if (networkMode == NetworkMode.USER) {
            return new Check("guest isolation", Level.PASS, "user-mode networking with restrict=on: guests reach "
                    + "no host service and have no egress", null);
        }
        if (!Cmd.onPath("nft")) {
            return new Check("guest isolation", Level.FAIL, "nft is not installed, so TAP sandboxes cannot be "
                    + "isolated", "run 'smolvm setup'");
        }
        var listing = Cmd.of("nft", "list", "table", NftRuleset.FAMILY, NftRuleset.TABLE).run();
        if (!listing.ok()) {
            return new Check("guest isolation", Level.PASS, "the nftables table " + NftRuleset.FAMILY + " "
                    + NftRuleset.TABLE + " is installed when the first sandbox starts; it drops guest-to-host, "
                    + "sandbox-to-sandbox and all IPv6 traffic", null);
        }
        if (NftRuleset.current(listing.stdout())) {
            return new Check("guest isolation", Level.PASS, "nftables table " + NftRuleset.FAMILY + " "
                    + NftRuleset.TABLE + " (" + NftRuleset.VERSION_MARKER + "): guest-to-host, sandbox-to-sandbox "
                    + "and IPv6 dropped; one egress chain per sandbox", null);
        }
        return new Check("guest isolation", Level.WARN, "an older smolvm nftables table without guest-to-host "
                + "isolation is loaded", "start any sandbox (the table is replaced), or delete it with 'nft delete "
                + "table " + NftRuleset.FAMILY + " " + NftRuleset.TABLE + "' when none runs");
    }

    private static Check statePrivacy(Home home) {
        Path root = home.root();
        try {
            if (!Files.exists(root)) {
                return new Check("state privacy", Level.PASS, root + " will be made 0700 on first use", null);
            }
            if (FileModes.isPrivate(root)) {
                return new Check("state privacy", Level.PASS, root + " is 0700; the database, keys and sockets "
                        + "in it are 0600", null);
            }
        } catch (IOException e) {
            return new Check("state privacy", Level.WARN, "cannot read the mode of " + root + ": " + e.getMessage(),
                    null);
        }
        return new Check("state privacy", Level.WARN, root + " can be read by other users",
                "chmod 700 " + root + " (smolvm does it itself on its next run)");
    }
}
