package dev.smolvm.runtime;

import dev.smolvm.WireName;

/** The VM monitors smolvm can drive; all go through {@link Backend}. */
public enum BackendKind implements WireName {
    QEMU, FIRECRACKER, LIBKRUN;

    @Override
    public String toString() {
        return wireName();
    }

    public static BackendKind parse(String value) {
        return WireName.parse(BackendKind.class, value, "backend");
    }
}
