package dev.smolvm.runtime;

import dev.smolvm.SmolvmException;

import java.util.Arrays;
import java.util.stream.Collectors;

/** The VM monitors smolvm can drive; all go through {@link Backend}. */
public enum BackendKind {
    QEMU("qemu"), FIRECRACKER("firecracker"), LIBKRUN("libkrun");

    private final String wireName;

    BackendKind(String wireName) {
        this.wireName = wireName;
    }

    public String wireName() {
        return wireName;
    }

    public static BackendKind parse(String value) {
        for (BackendKind k : values()) {
            if (k.wireName.equals(value)) {
                return k;
            }
        }
        throw SmolvmException.invalid("unknown backend '" + value + "': choose one of "
                + Arrays.stream(values()).map(BackendKind::wireName).collect(Collectors.joining(", ")) + ".");
    }
}
