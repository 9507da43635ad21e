package dev.smolvm.guest.agent;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class FrameCodecTest {
    @Test
    void encodesTheDocumentedLayout() {
        byte[] b = FrameCodec.encode(new Frame(Wire.PING, 0x01020304, new byte[] {9, 8}));
        assertThat(b).containsExactly(0, 0, 0, 7, Wire.PING, 1, 2, 3, 4, 9, 8);
    }

    @Test
    void framesRoundTripBackToBack() throws IOException {
        List<Frame> frames = List.of(new Frame(Wire.HELLO, 0), new Frame(Wire.STDOUT, 7, "out".getBytes()),
                new Frame(Wire.DATA, -1, new byte[Wire.MAX_PAYLOAD]));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Frame f : frames) {
            FrameCodec.write(out, f);
        }
        ByteArrayInputStream in = new ByteArrayInputStream(out.toByteArray());
        for (Frame f : frames) {
            assertThat(FrameCodec.read(in)).isEqualTo(f);
        }
        assertThat(FrameCodec.read(in)).isNull();
    }

    @Test
    void fieldsRoundTrip() {
        byte[] p = Fields.builder().u32(Wire.F_VERSION, 1).string(Wire.F_CAP, "exec").string(Wire.F_CAP, "ünï")
                .u64(Wire.F_SIZE, 1L << 40).u32(Wire.F_MODE, 0xffffffffL).build();
        Fields f = Fields.parse(p);
        assertThat(f.u32(Wire.F_VERSION)).contains(1L);
        assertThat(f.strings(Wire.F_CAP)).containsExactly("exec", "ünï");
        assertThat(f.u64(Wire.F_SIZE).getAsLong()).isEqualTo(1L << 40);
        assertThat(f.u32(Wire.F_MODE)).contains(0xffffffffL);
        assertThat(f.string(Wire.F_PATH)).isEmpty();
    }

    @Test
    void aLengthOutOfRangeIsRefusedBeforeReadingTheBody() {
        for (byte[] head : List.of(new byte[] {0, 0, 0, 0}, new byte[] {0, 0, 0, 4},
                new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff}, new byte[] {0, 0x10, 0, 6})) {
            assertThatThrownBy(() -> FrameCodec.read(new ByteArrayInputStream(head)))
                    .isInstanceOf(AgentProtocolException.class).hasMessageContaining("out of range");
        }
    }

    @Test
    void aStreamEndingInsideAFrameSaysSo() {
        byte[] whole = FrameCodec.encode(new Frame(Wire.STDOUT, 3, "abc".getBytes()));
        for (int cut = 1; cut < whole.length; cut++) {
            byte[] part = Arrays.copyOf(whole, cut);
            assertThatThrownBy(() -> FrameCodec.read(new ByteArrayInputStream(part))).isInstanceOf(EOFException.class);
        }
    }

    @Test
    void malformedFieldsAreSentencesNotCrashes() {
        assertThatThrownBy(() -> Fields.parse(new byte[] {1, 0, 0})).hasMessageContaining("cut short");
        assertThatThrownBy(() -> Fields.parse(new byte[] {1, 0, 0, 0, 9, 1})).hasMessageContaining("runs past");
        assertThatThrownBy(() -> Fields.parse(Fields.builder().string(1, "x").build()).u32(1))
                .hasMessageContaining("4 bytes");
        assertThatThrownBy(() -> Fields.parse(new byte[] {4, 0, 0, 0, 1, (byte) 0xff}).string(4))
                .hasMessageContaining("UTF-8");
        assertThatThrownBy(() -> Fields.builder().string(3, "a\0b")).hasMessageContaining("NUL");
    }

    /** Random bytes never escape as anything but the codec's own exceptions. */
    @Test
    void randomBytesOnlyEverGiveProtocolErrors() {
        Random r = new Random(42);
        for (int i = 0; i < 20_000; i++) {
            byte[] junk = new byte[r.nextInt(64)];
            r.nextBytes(junk);
            if (r.nextBoolean() && junk.length >= 4) {
                junk[0] = 0;
                junk[1] = 0;
                junk[2] = 0; // a plausible length, so bodies and fields get parsed too
            }
            ByteArrayInputStream in = new ByteArrayInputStream(junk);
            try {
                Frame f;
                while ((f = FrameCodec.read(in)) != null) {
                    Fields fl = f.fields();
                    fl.strings(Wire.F_CAP);
                    fl.u32(Wire.F_VERSION);
                }
            } catch (AgentProtocolException | IOException expected) {
                // what garbage must produce
            }
        }
    }
}
