package dev.smolvm.image;

import dev.smolvm.WireName;

/**
 * Guest operating systems a sandbox may ask for. Debian is built from its package archive (the
 * offline default); Ubuntu and Alpine are pulled as OCI images; Windows is named so the error is precise.
 */
public enum GuestOs implements WireName {
    DEBIAN(null, null),
    UBUNTU("docker.io/library/ubuntu:24.04", "it is pulled from a registry: use 'smolvm image pull'"),
    ALPINE("docker.io/library/alpine:3.20", "it is pulled from a registry: use 'smolvm image pull'"),
    WINDOWS(null, "Windows guests need a licensed Windows disk image and UEFI firmware, which smolvm cannot make");

    private final String ociReference;
    private final String whyNotBuildable;

    GuestOs(String ociReference, String whyNotBuildable) {
        this.ociReference = ociReference;
        this.whyNotBuildable = whyNotBuildable;
    }

    /** The OCI image this OS is pulled from by default (null: not pulled); SMOLVM_OS_&lt;OS&gt;_IMAGE overrides it. */
    public String ociReference() {
        return ociReference;
    }

    @Override
    public String toString() {
        return wireName();
    }

    public boolean buildable() {
        return whyNotBuildable == null;
    }

    public String whyNotBuildable() {
        return whyNotBuildable;
    }

    public static GuestOs parse(String value) {
        return WireName.parse(GuestOs.class, value, "guest OS");
    }

    /**
     * What a sandbox made from an image given by reference or path has as its OS where it is stored
     * or shown: smolvm does not know that image's OS, so in Java it is a null {@code GuestOs}.
     */
    public static final String CUSTOM = "custom";

    /** The stored or shown name of {@code os}: its wire name, or {@value #CUSTOM} for null (an image by reference). */
    public static String wireNameOrCustom(GuestOs os) {
        return os == null ? CUSTOM : os.wireName();
    }

    /** The inverse of {@link #wireNameOrCustom}: null for {@value #CUSTOM}; any other unknown name is an error. */
    public static GuestOs parseOrCustom(String value) {
        return CUSTOM.equals(value) ? null : parse(value);
    }
}
