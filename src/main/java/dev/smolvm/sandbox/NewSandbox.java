package dev.smolvm.sandbox;

import dev.smolvm.SmolvmException;
import dev.smolvm.image.GuestImage;
import dev.smolvm.image.GuestOs;
import dev.smolvm.network.EgressPolicy;
import dev.smolvm.network.NetworkMode;
import dev.smolvm.runtime.BackendKind;
import dev.smolvm.store.SandboxRecord;
import dev.smolvm.store.SandboxStatus;

import java.time.Instant;

/** The record of a sandbox about to be created, from a validated request, and the checks that need the host. */
final class NewSandbox {
    private NewSandbox() {
    }

    /** More vCPUs than cores only makes the guest slower, and lets one sandbox starve the others. */
    static void checkCpus(CreateRequest req) {
        int hostCpus = Runtime.getRuntime().availableProcessors();
        if (req.cpus() != null && req.cpus() > hostCpus) {
            throw SmolvmException.invalid("cpus " + req.cpus() + " is more than this host's " + hostCpus
                    + " cores; use at most " + hostCpus + ".");
        }
    }

    static SandboxRecord record(CreateRequest req, GuestOs os, BackendKind kind, String accelerator, GuestImage image,
                                NetworkMode networkMode, EgressPolicy policy) {
        int diskMib = req.diskMib() == null ? Math.max(2048, image.rootfsMib()) : req.diskMib();
        if (diskMib < image.rootfsMib()) {
            throw SmolvmException.invalid("disk size " + diskMib + " MiB is smaller than the image's root "
                    + "filesystem (" + image.rootfsMib() + " MiB); use at least " + image.rootfsMib() + ".");
        }
        String id = SandboxNames.newId();
        String name = req.name() == null ? id : req.name();
        return new SandboxRecord(id, name, SandboxStatus.CREATING,
                req.image() == null ? os : null, req.image() == null ? image.name() : image.dir().toString(),
                kind, accelerator,
                req.memoryMib() == null ? CreateRequest.DEFAULT_MEMORY_MIB : req.memoryMib(), diskMib,
                req.cpus() == null ? 1 : req.cpus(), networkMode, null, null, null, null, null, null,
                Instant.now(), null, null, policy.mode(), policy.allowedStrings());
    }
}
