package dev.smolvm.guest.agent;

/** What a request does with the frames of its stream on an {@link AgentClient}. Called on the reader thread. */
interface StreamHandler {
    void frame(Frame f);

    /** The channel failed or closed before the request ended. */
    void closed(AgentException why);
}
