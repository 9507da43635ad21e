package dev.smolvm.network;

/**
 * A sandbox's slice of 172.16.0.0/16: the /30 number {@code index}, whose first host address
 * sits on the TAP device and whose second is the guest. 16384 such slices exist.
 */
public record Lease(int index) {
    public static final int MAX_INDEX = (1 << 14) - 1;
    public static final String POOL = "172.16.0.0/16";
    public static final int PREFIX = 30;

    public Lease {
        if (index < 0 || index > MAX_INDEX) {
            throw new IllegalArgumentException("lease index out of range: " + index);
        }
    }

    private String address(int offset) {
        int n = (index << 2) + offset;
        return "172.16." + (n >> 8) + "." + (n & 0xff);
    }

    public String network() {
        return address(0) + "/" + PREFIX;
    }

    public String hostIp() {
        return address(1);
    }

    public String guestIp() {
        return address(2);
    }

    /** The TAP device name: short enough for IFNAMSIZ (15) for every index. */
    public String tapName() {
        return "smv" + index;
    }

    /** A locally administered MAC that is stable for the lease. */
    public String mac() {
        return String.format("52:54:00:5d:%02x:%02x", index >> 8, index & 0xff);
    }
}
