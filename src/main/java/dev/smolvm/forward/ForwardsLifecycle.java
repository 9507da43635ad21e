package dev.smolvm.forward;

import dev.smolvm.SmolvmException;
import dev.smolvm.host.Cmd;
import dev.smolvm.host.FileLock;
import dev.smolvm.host.Progress;
import dev.smolvm.sandbox.Sandbox;
import dev.smolvm.sandbox.Sandboxes;

import java.nio.file.Files;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * What a sandbox's VM ending or booting again does to its forwards: when it ends every forward goes
 * (rules, tunnels, state file), and those whose host port the user chose come back at the next start.
 */
final class ForwardsLifecycle implements Sandboxes.LifecycleListener {
    private final PortForwards forwards;
    private final Sandboxes sandboxes;

    ForwardsLifecycle(PortForwards forwards, Sandboxes sandboxes) {
        this.forwards = forwards;
        this.sandboxes = sandboxes;
    }

    @Override
    public void released(Sandbox sb, boolean deleted) {
        try (FileLock ignored = forwards.lock()) {
            ForwardsFile file = forwards.file(sb);
            List<Forward> current;
            boolean readable = true;
            try {
                current = file.read();
            } catch (SmolvmException corrupt) {
                current = List.of(); // never remove a file we cannot read; still remove our rules below
                readable = false;
            }
            for (Forward f : current) {
                forwards.transport(f.transport()).close(sb.id(), f);
            }
            sweepRules(sb.id());
            List<Forward> keep = current.stream().filter(Forward::requestedHostPort).toList();
            if (!deleted && !keep.isEmpty() && Files.isDirectory(sandboxes.dirOf(sb))) {
                writeRestoreList(sb, keep);
            }
            if (readable) {
                file.delete();
            }
        }
    }

    @Override
    public void started(Sandbox sb, Progress progress) {
        ForwardsFile restore = restoreFile(sb);
        if (!Files.exists(restore.path())) {
            return;
        }
        List<Forward> wanted;
        try {
            wanted = restore.read();
            restore.delete();
        } catch (SmolvmException e) {
            progress.step("Could not read the forwards to restore (" + restore.path() + "): " + e.getMessage());
            return;
        }
        for (Forward f : wanted) {
            PortMapping mapping = new PortMapping(f.hostPort(), f.guestPort(), f.protocol());
            try {
                forwards.expose(sb.id(), mapping, ChannelOptions.DEFAULTS);
                progress.step("Restored forward localhost:" + f.hostPort() + " → guest:" + f.guestPort());
            } catch (SmolvmException e) {
                progress.step("Could not restore forward " + mapping.text() + ": " + e.getMessage());
            }
        }
    }

    /** Removes every nftables rule tagged with the sandbox, including those no state file lists. */
    private void sweepRules(String sandboxId) {
        if (!TransportChoice.nftablesUsable(forwards.privileges())) {
            return;
        }
        var listing = Cmd.of("nft", "-j", "list", "table", "ip", NftForwardRules.TABLE).run();
        if (!listing.ok()) {
            return;
        }
        Set<NftForwardRules.RuleRef> refs = new HashSet<>();
        for (Protocol p : Protocol.values()) {
            for (int port : NftForwardRules.hostPortsInUse(listing.stdout(), p)) {
                refs.addAll(NftForwardRules.find(listing.stdout(), NftForwardRules.tag(sandboxId, p, port)));
            }
        }
        if (!refs.isEmpty()) {
            Cmd.of("nft", "-f", "-").withStdin(NftForwardRules.delete(new ArrayList<>(refs))).run();
        }
    }

    private ForwardsFile restoreFile(Sandbox sb) {
        return new ForwardsFile(sandboxes.dirOf(sb).resolve("forwards-to-restore.json"));
    }

    private void writeRestoreList(Sandbox sb, List<Forward> keep) {
        try {
            restoreFile(sb).write(sb.name(), sb.id(), keep);
        } catch (SmolvmException e) {
            // losing the restore list only means the forwards do not come back by themselves
        }
    }
}
