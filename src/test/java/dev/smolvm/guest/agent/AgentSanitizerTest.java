package dev.smolvm.guest.agent;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The agent's C tests: its parser fuzzed in-process, hand-made bad input and random sessions
 * against the agent binary, all built with AddressSanitizer and UBSan (agent/test/fuzz.c).
 */
class AgentSanitizerTest {
    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void fuzzAndEdgeCasesPassUnderAddressSanitizer() throws Exception {
        Process p = new ProcessBuilder("make", "-s", "-C", "agent", "test-asan").redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        int rc = p.waitFor();
        System.out.print(output);
        assertThat(rc).as("make -C agent test-asan:\n%s", output).isZero();
        assertThat(output).contains("fuzz: all checks passed").contains("random sessions:");
    }
}
