package dev.smolvm.sandbox;

/** Lifecycle states as stored and shown. */
public enum SandboxStatus {
    CREATING("creating"), STARTING("starting"), RUNNING("running"), PAUSED("paused"), STOPPED("stopped"), ERROR("error");

    private final String wireName;

    SandboxStatus(String wireName) {
        this.wireName = wireName;
    }

    public String wireName() {
        return wireName;
    }

    public static SandboxStatus fromWire(String s) {
        for (SandboxStatus v : values()) {
            if (v.wireName.equals(s)) {
                return v;
            }
        }
        throw dev.smolvm.SmolvmException.invalid("unknown status '" + s
                + "': choose one of creating, starting, running, paused, stopped, error.");
    }

    /** Booting, booted or paused: the VM process is expected to exist. */
    public boolean hasVm() {
        return this == CREATING || this == STARTING || this == RUNNING || this == PAUSED;
    }
}
