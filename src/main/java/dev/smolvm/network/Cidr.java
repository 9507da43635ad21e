package dev.smolvm.network;

import dev.smolvm.SmolvmException;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** An IPv4 network, {@code a.b.c.d/n}, always in its normal form (host bits cleared). Pure. */
public record Cidr(long address, int prefix) {
    private static final Pattern FORM = Pattern.compile("(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})(?:/(\\d{1,2}))?");

    public Cidr {
        if (prefix < 0 || prefix > 32) {
            throw new IllegalArgumentException("prefix out of range: " + prefix);
        }
        address = address & mask(prefix);
    }

    /**
     * Parses {@code a.b.c.d} (a /32) or {@code a.b.c.d/n}; host bits are cleared. A bad value is an
     * invalid-input error that names it.
     */
    public static Cidr parse(String text) {
        String s = text == null ? "" : text.strip();
        Matcher m = FORM.matcher(s);
        if (!m.matches()) {
            String why = s.contains(":") ? " (IPv6 is not supported: sandboxes have no IPv6 at all)" : "";
            throw SmolvmException.invalid("'" + s + "' is not an IPv4 address or CIDR like 203.0.113.0/24" + why + ".");
        }
        long a = 0;
        for (int i = 1; i <= 4; i++) {
            int octet = Integer.parseInt(m.group(i));
            if (octet > 255) {
                throw SmolvmException.invalid("'" + s + "' is not an IPv4 address or CIDR: " + octet + " is not an octet.");
            }
            a = (a << 8) | octet;
        }
        int prefix = m.group(5) == null ? 32 : Integer.parseInt(m.group(5));
        if (prefix > 32) {
            throw SmolvmException.invalid("'" + s + "' is not an IPv4 CIDR: the prefix must be 0 to 32.");
        }
        return new Cidr(a, prefix);
    }

    private static long mask(int prefix) {
        return prefix == 0 ? 0 : (0xffffffffL << (32 - prefix)) & 0xffffffffL;
    }

    public boolean contains(Cidr other) {
        return other.prefix >= prefix && (other.address & mask(prefix)) == address;
    }

    /**
     * The networks of {@code cidrs} with duplicates and networks inside others removed, in address
     * order: nftables refuses overlapping intervals in one set.
     */
    public static List<Cidr> minimal(List<Cidr> cidrs) {
        List<Cidr> sorted = new ArrayList<>(cidrs);
        sorted.sort(Comparator.comparingLong(Cidr::address).thenComparingInt(Cidr::prefix));
        List<Cidr> out = new ArrayList<>();
        for (Cidr c : sorted) {
            if (out.stream().noneMatch(o -> o.contains(c))) {
                out.add(c);
            }
        }
        return out;
    }

    @Override
    public String toString() {
        return (address >> 24) + "." + ((address >> 16) & 0xff) + "." + ((address >> 8) & 0xff) + "." + (address & 0xff)
                + "/" + prefix;
    }
}
