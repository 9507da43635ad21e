package dev.smolvm.guest.agent;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The fields inside a control frame's payload: each is {@code key:u8 length:u32 value}. Integers
 * are big-endian u32 (or u64 for sizes); strings are UTF-8 without NUL. Keys may repeat (argv, env).
 */
public final class Fields {
    /** One field; {@code value} is shared, not copied. */
    public record Field(int key, byte[] value) {
    }

    private final List<Field> list;

    private Fields(List<Field> list) {
        this.list = list;
    }

    /** Parses a payload; throws {@link AgentProtocolException} when a field runs past its end. */
    public static Fields parse(byte[] payload) {
        List<Field> out = new ArrayList<>();
        ByteBuffer b = ByteBuffer.wrap(payload);
        while (b.hasRemaining()) {
            if (b.remaining() < 5) {
                throw new AgentProtocolException("a field header is cut short");
            }
            int key = b.get() & 0xff;
            long len = Integer.toUnsignedLong(b.getInt());
            if (len > b.remaining()) {
                throw new AgentProtocolException("a field of " + len + " bytes runs past the end of its frame");
            }
            byte[] v = new byte[(int) len];
            b.get(v);
            out.add(new Field(key, v));
        }
        return new Fields(out);
    }

    public List<Field> all() {
        return List.copyOf(list);
    }

    private Optional<byte[]> last(int key) {
        byte[] found = null;
        for (Field f : list) {
            if (f.key() == key) {
                found = f.value();
            }
        }
        return Optional.ofNullable(found);
    }

    public Optional<Long> u32(int key) {
        return last(key).map(v -> {
            if (v.length != 4) {
                throw new AgentProtocolException("field " + key + " should be 4 bytes, not " + v.length);
            }
            return Integer.toUnsignedLong(ByteBuffer.wrap(v).getInt());
        });
    }

    public OptionalLong u64(int key) {
        Optional<byte[]> v = last(key);
        if (v.isEmpty()) {
            return OptionalLong.empty();
        }
        if (v.get().length != 8) {
            throw new AgentProtocolException("field " + key + " should be 8 bytes, not " + v.get().length);
        }
        return OptionalLong.of(ByteBuffer.wrap(v.get()).getLong());
    }

    public Optional<String> string(int key) {
        return last(key).map(Fields::utf8);
    }

    public List<String> strings(int key) {
        List<String> out = new ArrayList<>();
        for (Field f : list) {
            if (f.key() == key) {
                out.add(utf8(f.value()));
            }
        }
        return out;
    }

    private static String utf8(byte[] v) {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(v)).toString();
        } catch (CharacterCodingException e) {
            throw new AgentProtocolException("a text field is not valid UTF-8");
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Builds a payload. Strings with a NUL are refused here, as the agent would refuse them. */
    public static final class Builder {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        private Builder head(int key, int len) {
            out.write(key);
            out.writeBytes(ByteBuffer.allocate(4).putInt(len).array());
            return this;
        }

        public Builder u32(int key, long value) {
            head(key, 4);
            out.writeBytes(ByteBuffer.allocate(4).putInt((int) value).array());
            return this;
        }

        public Builder u64(int key, long value) {
            head(key, 8);
            out.writeBytes(ByteBuffer.allocate(8).putLong(value).array());
            return this;
        }

        public Builder string(int key, String value) {
            if (value.indexOf('\0') >= 0) {
                throw new IllegalArgumentException("text sent to the agent cannot contain a NUL character");
            }
            byte[] v = value.getBytes(StandardCharsets.UTF_8);
            head(key, v.length);
            out.writeBytes(v);
            return this;
        }

        public byte[] build() {
            return out.toByteArray();
        }
    }
}
