package dev.smolvm.guest.agent;

import java.util.List;

/** What the agent said about itself when the channel opened. */
public record AgentHello(int version, List<String> capabilities, String agent, long pid, long maxPayload) {
    /** Reads a HELLO frame's fields; a protocol version other than this smolvm's is an EPROTO error. */
    static AgentHello from(Fields fl) {
        int version = fl.u32(Wire.F_VERSION).orElse(0L).intValue();
        if (version != Wire.VERSION) {
            throw new AgentException("EPROTO", "the guest agent speaks protocol version " + version
                    + "; this smolvm speaks " + Wire.VERSION);
        }
        return new AgentHello(version, List.copyOf(fl.strings(Wire.F_CAP)), fl.string(Wire.F_AGENT).orElse("unknown"),
                fl.u32(Wire.F_PID).orElse(0L), fl.u32(Wire.F_MAX_PAYLOAD).orElse((long) Wire.MAX_PAYLOAD));
    }

    public boolean can(String capability) {
        return capabilities.contains(capability);
    }
}
