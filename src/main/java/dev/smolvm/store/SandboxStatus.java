package dev.smolvm.store;

import dev.smolvm.WireName;

/** Lifecycle states as stored and shown. */
public enum SandboxStatus implements WireName {
    CREATING, STARTING, RUNNING, PAUSED, STOPPED, ERROR;

    @Override
    public String toString() {
        return wireName();
    }

    public static SandboxStatus fromWire(String s) {
        return WireName.parse(SandboxStatus.class, s, "status");
    }

    /** Booting, booted or paused: the VM process is expected to exist. */
    public boolean hasVm() {
        return this == CREATING || this == STARTING || this == RUNNING || this == PAUSED;
    }
}
