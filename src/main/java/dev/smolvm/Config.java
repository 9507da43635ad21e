package dev.smolvm;

import dev.smolvm.forward.TransportKind;
import dev.smolvm.host.Accelerator;
import dev.smolvm.host.HostPrivileges;
import dev.smolvm.image.oci.OciImages;
import dev.smolvm.network.NetworkMode;
import dev.smolvm.runtime.GuestAslr;

import java.time.Duration;
import java.util.Map;

/**
 * smolvm's configuration, parsed strictly once from the environment before anything is opened:
 * a bad value ends there, in one sentence naming the variable (never a silent default). The
 * variables are listed in docs/development.md ("Configuration"). {@code env} is kept for what is
 * read by name later (SMOLVM_OS_&lt;OS&gt;_IMAGE, DOCKER_CONFIG, HOME); {@code privileges} is the
 * root check, a fake in unit tests.
 *
 * @param accelerator    SMOLVM_ACCEL: kvm or tcg, null to probe
 * @param guestAslr      SMOLVM_GUEST_ASLR: on, off or auto (the default)
 * @param network        SMOLVM_NETWORK: tap or user, null to choose by what the host can do
 * @param portTransport  SMOLVM_PORT_TRANSPORT: nftables or ssh_tunnel, null to choose per forward
 * @param registryTimeout SMOLVM_REGISTRY_TIMEOUT: seconds per registry request (default 10)
 * @param apiToken       SMOLVM_API_TOKEN: the HTTP server's bearer token when --token is not given, or null
 */
public record Config(Home home, String accelerator, String guestAslr, NetworkMode network,
                     TransportKind portTransport, Duration registryTimeout, String apiToken,
                     HostPrivileges privileges, Map<String, String> env) {

    public Config {
        env = Map.copyOf(env);
    }

    /** The configuration {@code env} gives, for the real host. */
    public static Config fromEnvironment(Map<String, String> env) {
        return fromEnvironment(env, HostPrivileges.REAL);
    }

    public static Config fromEnvironment(Map<String, String> env, HostPrivileges privileges) {
        String aslr = env.getOrDefault("SMOLVM_GUEST_ASLR", "");
        GuestAslr.decide(aslr, "tcg"); // checks the value; the accelerator decides later
        return new Config(Home.fromEnvironment(env), Accelerator.forcedBy(env.get("SMOLVM_ACCEL")),
                aslr.isEmpty() ? "auto" : aslr, NetworkMode.forcedBy(env.get("SMOLVM_NETWORK")),
                TransportKind.forcedBy(env.get("SMOLVM_PORT_TRANSPORT")),
                OciImages.registryTimeout(env.get("SMOLVM_REGISTRY_TIMEOUT")),
                env.get("SMOLVM_API_TOKEN"), privileges, env);
    }
}
