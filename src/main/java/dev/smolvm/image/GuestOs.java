package dev.smolvm.image;

import dev.smolvm.SmolvmException;

/**
 * Guest operating systems a sandbox may ask for. Only Debian can be built on a host like this
 * one (its package archive is the one reachable); the others are named so the error is precise.
 */
public enum GuestOs {
    DEBIAN("debian", null),
    UBUNTU("ubuntu", "it is built from the Ubuntu archive, which this host cannot reach"),
    ALPINE("alpine", "it is built from the Alpine package repository, which this host cannot reach"),
    WINDOWS("windows", "Windows guests need a licensed Windows disk image and UEFI firmware, which smolvm cannot make");

    private final String wireName;
    private final String whyNotBuildable;

    GuestOs(String wireName, String whyNotBuildable) {
        this.wireName = wireName;
        this.whyNotBuildable = whyNotBuildable;
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
