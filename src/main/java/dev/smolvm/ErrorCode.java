package dev.smolvm;

/**
 * What kind of failure a {@link SmolvmException} is. Each door maps these once:
 * the CLI to exit codes, the HTTP server to statuses.
 */
public enum ErrorCode {
    /** A value the user gave is not acceptable (bad name, size, mapping, port). */
    INVALID_INPUT("invalid_input"),
    /** No sandbox, image or forward by that name. */
    NOT_FOUND("not_found"),
    /** The sandbox exists but is not running, and the operation needs it running. */
    NOT_RUNNING("not_running"),
    /** The request clashes with current state (name taken, port taken, sandbox running). */
    CONFLICT("conflict"),
    /** This host cannot do it (missing binary, no KVM, no vsock, unbuildable image). */
    UNAVAILABLE("unavailable"),
    /** The guest did not answer in time. */
    TIMEOUT("timeout"),
    /** Something on the host failed that the user did not cause. */
    INTERNAL("internal");

    private final String wireName;

    ErrorCode(String wireName) {
        this.wireName = wireName;
    }

    /** The name used in JSON envelopes and HTTP error bodies. */
    public String wireName() {
        return wireName;
    }
}
