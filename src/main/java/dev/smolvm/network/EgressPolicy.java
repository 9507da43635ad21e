package dev.smolvm.network;

import dev.smolvm.SmolvmException;
import dev.smolvm.WireName;

import java.util.ArrayList;
import java.util.List;

/**
 * Where a sandbox's own connections may go. {@code open}: anywhere but the host's networks and
 * link-local (unless allowed); {@code off}: nowhere; {@code restricted}: only the allowed networks
 * and its DNS resolver. Host-initiated traffic (the SSH channel, port forwards) is not egress.
 */
public record EgressPolicy(Mode mode, List<Cidr> allowed) {
    public enum Mode implements WireName {
        OPEN, OFF, RESTRICTED;

        @Override
        public String toString() {
            return wireName();
        }
    }

    public static final EgressPolicy OPEN = new EgressPolicy(Mode.OPEN, List.of());

    public EgressPolicy {
        allowed = List.copyOf(allowed);
    }

    /**
     * Reads a policy as the doors give it: a mode name (null: open) and CIDRs, each of which may
     * itself be a comma-separated list. Every rule a user can break is checked here.
     */
    public static EgressPolicy parse(String mode, List<String> allow) {
        Mode m = mode == null || mode.isBlank() ? Mode.OPEN : switch (mode.strip().toLowerCase(java.util.Locale.ROOT)) {
            case "open" -> Mode.OPEN;
            case "off" -> Mode.OFF;
            case "restricted" -> Mode.RESTRICTED;
            default -> throw SmolvmException.invalid("network mode must be open, off or restricted, got '"
                    + mode.strip() + "'.");
        };
        return of(m, allow);
    }

    /**
     * A policy of mode {@code m} (null: open) and CIDRs, each of which may itself be a
     * comma-separated list. Every rule a user can break is checked here.
     */
    public static EgressPolicy of(Mode mode, List<String> allow) {
        Mode m = mode == null ? Mode.OPEN : mode;
        List<Cidr> cidrs = new ArrayList<>();
        for (String item : allow == null ? List.<String>of() : allow) {
            for (String part : (item == null ? "" : item).split(",")) {
                if (!part.isBlank()) {
                    cidrs.add(Cidr.parse(part));
                }
            }
        }
        if (m == Mode.RESTRICTED && cidrs.isEmpty()) {
            throw SmolvmException.invalid("network mode restricted needs at least one allowed CIDR "
                    + "(--allow 203.0.113.0/24, or allowed_cidrs in the API); use off for no egress at all.");
        }
        if (m == Mode.OFF && !cidrs.isEmpty()) {
            throw SmolvmException.invalid("network mode off allows no egress, so allowed CIDRs ("
                    + cidrs.get(0) + ") make no sense with it; use restricted to allow some networks.");
        }
        return new EgressPolicy(m, Cidr.minimal(cidrs));
    }

    public List<String> allowedStrings() {
        return allowed.stream().map(Cidr::toString).toList();
    }
}
