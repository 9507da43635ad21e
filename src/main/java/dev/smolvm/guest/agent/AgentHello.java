package dev.smolvm.guest.agent;

import java.util.List;

/** What the agent said about itself when the channel opened. */
public record AgentHello(int version, List<String> capabilities, String agent, long pid, long maxPayload) {
    public boolean can(String capability) {
        return capabilities.contains(capability);
    }
}
