package dev.smolvm.cli;

import dev.smolvm.WireName;
import dev.smolvm.forward.CommChannel;
import dev.smolvm.guest.ShellMode;
import dev.smolvm.image.GuestOs;
import dev.smolvm.network.EgressPolicy;
import dev.smolvm.runtime.BackendKind;
import dev.smolvm.store.SandboxStatus;
import picocli.CommandLine;
import picocli.CommandLine.TypeConversionException;

/**
 * Options whose value is one of a fixed set are typed by their enum, read by wire name: the help
 * lists the names (the enums' {@code toString}), and any other value is a usage error (exit 2)
 * naming the valid ones.
 */
final class WireNameOptions {
    private WireNameOptions() {
    }

    static void register(CommandLine cl) {
        add(cl, SandboxStatus.class);
        add(cl, GuestOs.class);
        add(cl, BackendKind.class);
        add(cl, EgressPolicy.Mode.class);
        add(cl, ShellMode.class);
        add(cl, CommChannel.class);
    }

    private static <E extends Enum<E> & WireName> void add(CommandLine cl, Class<E> type) {
        cl.registerConverter(type, value -> convert(type, value));
    }

    static <E extends Enum<E> & WireName> E convert(Class<E> type, String value) {
        for (E e : type.getEnumConstants()) {
            if (e.wireName().equals(value)) {
                return e;
            }
        }
        throw new TypeConversionException("'" + value + "' is not one of " + WireName.choices(type) + ".");
    }
}
