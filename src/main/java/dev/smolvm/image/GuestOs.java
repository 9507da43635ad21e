package dev.smolvm.image;

import dev.smolvm.SmolvmException;

/**
 * Guest operating systems a sandbox may ask for. Debian is built from its package archive (the
 * offline default); Ubuntu and Alpine are pulled as OCI images; Windows is named so the error is precise.
 */
public enum GuestOs {
    DEBIAN("debian", null, null),
    UBUNTU("ubuntu", "docker.io/library/ubuntu:24.04", "it is pulled from a registry: use 'smolvm image pull'"),
    ALPINE("alpine", "docker.io/library/alpine:3.20", "it is pulled from a registry: use 'smolvm image pull'"),
    WINDOWS("windows", null, "Windows guests need a licensed Windows disk image and UEFI firmware, which smolvm cannot make");

    private final String wireName;
    private final String ociReference;
    private final String whyNotBuildable;

    GuestOs(String wireName, String ociReference, String whyNotBuildable) {
        this.wireName = wireName;
        this.ociReference = ociReference;
        this.whyNotBuildable = whyNotBuildable;
    }

    /** The OCI image this OS is pulled from by default (null: not pulled); SMOLVM_OS_&lt;OS&gt;_IMAGE overrides it. */
    public String ociReference() {
        return ociReference;
    }

    public String wireName() {
        return wireName;
    }

    public boolean buildable() {
        return whyNotBuildable == null;
    }

    public String whyNotBuildable() {
        return whyNotBuildable;
    }

    public static GuestOs parse(String value) {
        for (GuestOs os : values()) {
            if (os.wireName.equals(value)) {
                return os;
            }
        }
        throw SmolvmException.invalid("unknown guest OS '" + value + "': choose one of alpine, ubuntu, windows, "
                + "or debian (the default).");
    }
}
