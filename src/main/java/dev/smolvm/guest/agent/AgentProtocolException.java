package dev.smolvm.guest.agent;

/** The bytes on the channel are not the agent protocol: a bad frame or field. The message is a sentence. */
public class AgentProtocolException extends RuntimeException {
    public AgentProtocolException(String message) {
        super(message);
    }
}
