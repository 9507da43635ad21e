package dev.smolvm.forward;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The nftables side of a forward, as text for {@code nft -f -} and as a reading of
 * {@code nft -j list table}. Pure.
 *
 * <p>Locally originated connections to 127.0.0.1:H are DNATed to the guest in the {@code output}
 * hook and masqueraded on the way out so replies come back. Only {@code ip daddr 127.0.0.1}
 * matches, so the forward is not reachable through any other host address, and nothing is
 * added to {@code prerouting}, so other machines never reach it.
 */
public final class NftForwardRules {
    public static final String TABLE = "smolvm_fwd";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A rule's place, for deletion. */
    public record RuleRef(String chain, long handle) {
    }

    private NftForwardRules() {
    }

    public static String table() {
        return """
                table ip %1$s {
                  chain output {
                    type nat hook output priority -100; policy accept;
                  }
                  chain postrouting {
                    type nat hook postrouting priority 100; policy accept;
                  }
                }
                """.formatted(TABLE);
    }

    /** The comment that names a forward's rules: sandbox id, protocol and host port. */
    public static String tag(String sandboxId, Protocol protocol, int hostPort) {
        return "smolvm-fwd " + sandboxId + " " + protocol.wireName() + " " + hostPort;
    }

    public static String add(String sandboxId, Protocol protocol, int hostPort, String guestIp, int guestPort) {
        String p = protocol.wireName();
        String tag = tag(sandboxId, protocol, hostPort);
        return "add rule ip " + TABLE + " output ip daddr 127.0.0.1 " + p + " dport " + hostPort
                + " counter dnat to " + guestIp + ":" + guestPort + " comment \"" + tag + "\"\n"
                + "add rule ip " + TABLE + " postrouting ip saddr 127.0.0.0/8 ip daddr " + guestIp + " " + p
                + " dport " + guestPort + " counter masquerade comment \"" + tag + "\"\n";
    }

    /** The rules carrying {@code tag} in the JSON listing of the table. */
    public static List<RuleRef> find(String listingJson, String tag) {
        List<RuleRef> refs = new ArrayList<>();
        for (JsonNode rule : rules(listingJson)) {
            if (tag.equals(rule.path("comment").asText(null))) {
                refs.add(new RuleRef(rule.path("chain").asText(), rule.path("handle").asLong()));
            }
        }
        return refs;
    }

    /** Host ports (of {@code protocol}) any rule of the table DNATs, whoever made it. */
    public static List<Integer> hostPortsInUse(String listingJson, Protocol protocol) {
        List<Integer> ports = new ArrayList<>();
        String prefix = "smolvm-fwd ";
        for (JsonNode rule : rules(listingJson)) {
            String comment = rule.path("comment").asText("");
            if ("output".equals(rule.path("chain").asText()) && comment.startsWith(prefix)) {
                String[] parts = comment.split(" ");
                if (parts.length == 4 && parts[2].equals(protocol.wireName()) && parts[3].matches("\\d{1,5}")) {
                    ports.add(Integer.parseInt(parts[3]));
                }
            }
        }
        return ports;
    }

    public static int ruleCount(String listingJson) {
        return rules(listingJson).size();
    }

    public static String delete(List<RuleRef> refs) {
        StringBuilder sb = new StringBuilder();
        for (RuleRef r : refs) {
            sb.append("delete rule ip ").append(TABLE).append(' ').append(r.chain()).append(" handle ")
                    .append(r.handle()).append('\n');
        }
        return sb.toString();
    }

    private static List<JsonNode> rules(String listingJson) {
        List<JsonNode> out = new ArrayList<>();
        if (listingJson == null || listingJson.isBlank()) {
            return out;
        }
        try {
            for (JsonNode item : JSON.readTree(listingJson).path("nftables")) {
                if (item.has("rule")) {
                    out.add(item.get("rule"));
                }
            }
        } catch (IOException e) {
            throw new IllegalArgumentException("not nft JSON: " + e.getMessage(), e);
        }
        return out;
    }
}
