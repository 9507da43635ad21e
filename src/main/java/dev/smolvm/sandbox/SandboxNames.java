package dev.smolvm.sandbox;

import dev.smolvm.SmolvmException;

import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.regex.Pattern;

/** Sandbox ids and names. Pure apart from the random id. */
public final class SandboxNames {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,62}");
    private static final Pattern ID = Pattern.compile("vm-[0-9a-f]{8}");
    private static final SecureRandom RANDOM = new SecureRandom();

    private SandboxNames() {
    }

    /** A fresh id like {@code vm-a1b2c3d4}. */
    public static String newId() {
        byte[] b = new byte[4];
        RANDOM.nextBytes(b);
        return "vm-" + HexFormat.of().formatHex(b);
    }

    /** Whether {@code ref} has the shape of an id {@link #newId} makes (safe to use in a file name). */
    public static boolean isId(String ref) {
        return ref != null && ID.matcher(ref).matches();
    }

    public static String validate(String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw SmolvmException.invalid("invalid sandbox name '" + name + "': use 1-63 letters, digits, '.', '_' "
                    + "or '-', starting with a letter or digit.");
        }
        return name;
    }

    /** A valid guest hostname derived from the name. */
    public static String hostname(String name) {
        String h = name.toLowerCase().replaceAll("[^a-z0-9-]", "-").replaceAll("^-+|-+$", "");
        return h.isEmpty() ? "smolvm" : h;
    }
}
