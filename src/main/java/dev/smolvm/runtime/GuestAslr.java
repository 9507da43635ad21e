package dev.smolvm.runtime;

import dev.smolvm.SmolvmException;

import java.util.Map;

/**
 * Whether guests randomize their address space (ASLR). Under TCG every process start pays to
 * translate ld.so and libc again when they land at new random addresses (QEMU 7.2 keys translated
 * code by virtual address): measured here, a dynamic {@code /bin/true} took 70 ms with ASLR and
 * 17 ms without, and a warm {@code exec true} 130 ms against 42 ms. So under TCG guests boot with
 * {@code norandmaps} unless {@code SMOLVM_GUEST_ASLR=on}; under KVM there is no such cost and ASLR
 * stays on unless {@code SMOLVM_GUEST_ASLR=off}. ASLR hardens programs inside the guest against
 * memory-corruption exploits; it has no part in keeping the guest away from the host.
 */
public record GuestAslr(boolean on, String reason) {

    public static GuestAslr decide(Map<String, String> env, String accelerator) {
        return decide(env.getOrDefault("SMOLVM_GUEST_ASLR", ""), accelerator);
    }

    /** {@code forced}: SMOLVM_GUEST_ASLR's value, on, off, auto or empty; anything else is a sentence. */
    public static GuestAslr decide(String forced, String accelerator) {
        return switch (forced) {
            case "on" -> new GuestAslr(true, "on (SMOLVM_GUEST_ASLR=on)");
            case "off" -> new GuestAslr(false, "off (SMOLVM_GUEST_ASLR=off)");
            case "", "auto" -> "tcg".equals(accelerator)
                    ? new GuestAslr(false, "off under TCG, where it makes every process start ~4x slower "
                            + "(SMOLVM_GUEST_ASLR=on keeps it)")
                    : new GuestAslr(true, "on");
            default -> throw SmolvmException.invalid("SMOLVM_GUEST_ASLR must be on, off or auto, not '" + forced
                    + "'; unset it for the default (off under TCG, on under KVM).");
        };
    }
}
