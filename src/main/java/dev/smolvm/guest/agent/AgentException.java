package dev.smolvm.guest.agent;

import dev.smolvm.ErrorCode;
import dev.smolvm.SmolvmException;

/**
 * The agent refused a request, or the channel to it failed. {@link #agentCode()} is the agent's
 * errno name (ENOENT, EISDIR, EACCES, ENOSPC, EINVAL, ...), or "ECHANNEL" when the channel itself
 * failed; the message is a sentence for the user.
 */
public class AgentException extends SmolvmException {
    private final String agentCode;

    public AgentException(String agentCode, String message) {
        super(errorCodeFor(agentCode), message);
        this.agentCode = agentCode;
    }

    public AgentException(String agentCode, String message, Throwable cause) {
        super(errorCodeFor(agentCode), message, cause);
        this.agentCode = agentCode;
    }

    public String agentCode() {
        return agentCode;
    }

    /** How each door should see it: a missing file is not found; the user's bad path or a full disk is their input. */
    static ErrorCode errorCodeFor(String agentCode) {
        return switch (agentCode) {
            case "ENOENT" -> ErrorCode.NOT_FOUND;
            case "EISDIR", "ENOTDIR", "EINVAL", "EACCES", "EPERM", "ENOSPC", "EDQUOT", "EROFS", "ENAMETOOLONG",
                 "EEXIST", "ELOOP", "EFBIG", "ETXTBSY", "ENOUSER" -> ErrorCode.INVALID_INPUT;
            case "EBUSY", "EAGAIN" -> ErrorCode.CONFLICT;
            case "ECHANNEL" -> ErrorCode.UNAVAILABLE;
            default -> ErrorCode.INTERNAL;
        };
    }
}
