package dev.smolvm;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * An enum whose constants each have one lowercase name wherever they leave the JVM: CLI options,
 * HTTP bodies, the database, state files. The name is the constant's, lowercased ({@code SSH_TUNNEL}
 * is {@code ssh_tunnel}). Reading a name back is strict: an unknown one is an invalid-input error
 * naming the valid ones, never a silent default. Such enums return the wire name from
 * {@code toString()} too, so picocli's help lists the wire names as the candidates.
 */
public interface WireName {
    default String wireName() {
        return ((Enum<?>) this).name().toLowerCase(Locale.ROOT);
    }

    /** The constant of {@code type} called {@code value}; {@code what} names the kind in the error ("backend"). */
    static <E extends Enum<E> & WireName> E parse(Class<E> type, String value, String what) {
        return find(type, value).orElseThrow(() -> SmolvmException.invalid("unknown " + what + " '" + value
                + "': choose one of " + choices(type) + "."));
    }

    /** The constant of {@code type} called {@code value}, if there is one. */
    static <E extends Enum<E> & WireName> Optional<E> find(Class<E> type, String value) {
        for (E e : type.getEnumConstants()) {
            if (e.wireName().equals(value)) {
                return Optional.of(e);
            }
        }
        return Optional.empty();
    }

    /** The wire name of {@code value}, or null for null (a kind not chosen yet). */
    static String nameOrNull(WireName value) {
        return value == null ? null : value.wireName();
    }

    /** The wire names of {@code type}, in declaration order. */
    static <E extends Enum<E> & WireName> List<String> names(Class<E> type) {
        return Arrays.stream(type.getEnumConstants()).map(WireName::wireName).toList();
    }

    /** The wire names of {@code type} as a sentence part: {@code qemu, firecracker, libkrun}. */
    static <E extends Enum<E> & WireName> String choices(Class<E> type) {
        return names(type).stream().collect(Collectors.joining(", "));
    }
}
