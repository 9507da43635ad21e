package dev.smolvm.sandbox;

import dev.smolvm.Home;
import dev.smolvm.image.Images;
import dev.smolvm.store.SandboxStore;

import java.util.List;

/** What the parts of the sandbox core ({@link SandboxCreation}, {@link SandboxLifecycle}) share. */
record SandboxParts(Home home, SandboxStore store, Images images, Adapters adapters, HostReadiness readiness,
                    Reaper reaper, List<Sandboxes.LifecycleListener> listeners) {
}
