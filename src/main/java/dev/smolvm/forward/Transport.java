package dev.smolvm.forward;

/** One way to forward a host port to a guest port. */
public interface Transport {
    /** Which transport this is, as the Transport column shows it. */
    TransportKind kind();

    /** Opens the forward; returns the tunnel pid, or null when no process is involved. */
    Long open(ForwardTarget target, Protocol protocol, int hostPort, int guestPort);

    void close(String sandboxId, Forward forward);

    /** Whether the forward still works as far as the host can tell (rule present, tunnel alive). */
    boolean alive(String sandboxId, Forward forward);
}
