package dev.smolvm.runtime.qemu;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The splitter on streams written here in QEMU 7.2's format (the e2e snapshot tests run it on
 * QEMU's own): what it keeps, what it moves into the file, and what it refuses.
 */
class RamSplitterTest {
    static final String MAIN = "smolvm.ram";
    static final String ROM = "pc.rom";
    static final int PAGE = RamSplitter.PAGE;

    @TempDir
    Path dir;

    /** A stream builder: the header, the RAM section's start, then records the test adds. */
    static final class Stream {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        final DataOutputStream d = new DataOutputStream(bytes);

        Stream(boolean ignoreShared) throws IOException {
            d.writeInt(RamSplitter.MAGIC);
            d.writeInt(RamSplitter.VERSION);
            d.writeByte(RamSplitter.CONFIGURATION);
            name32("pc-i440fx-7.2");
            if (ignoreShared) {
                d.writeByte(RamSplitter.SUBSECTION);
                name8("configuration/capabilities");
                d.writeInt(1);
                d.writeInt(1);
                name8("x-ignore-shared");
            }
            d.writeByte(RamSplitter.SECTION_START);
            d.writeInt(2);
            name8("ram");
            d.writeInt(0);
            d.writeInt(4);
            d.writeLong((16L * PAGE + 2L * PAGE) | RamSplitter.FLAG_MEM_SIZE);
            name8(MAIN);
            d.writeLong(16L * PAGE);
            if (ignoreShared) {
                d.writeLong(0);
            }
            name8(ROM);
            d.writeLong(2L * PAGE);
            if (ignoreShared) {
                d.writeLong(0);
            }
            d.writeLong(RamSplitter.FLAG_EOS);
            footer();
        }

        Stream part(int type) throws IOException {
            d.writeByte(type);
            d.writeInt(2);
            return this;
        }

        Stream page(long offset, String block, byte fill) throws IOException {
            d.writeLong(offset | RamSplitter.FLAG_PAGE | (block == null ? RamSplitter.FLAG_CONTINUE : 0));
            if (block != null) {
                name8(block);
            }
            byte[] p = new byte[PAGE];
            Arrays.fill(p, fill);
            d.write(p);
            return this;
        }

        Stream zero(long offset, String block) throws IOException {
            d.writeLong(offset | RamSplitter.FLAG_ZERO | (block == null ? RamSplitter.FLAG_CONTINUE : 0));
            if (block != null) {
                name8(block);
            }
            d.writeByte(0);
            return this;
        }

        Stream eos() throws IOException {
            d.writeLong(RamSplitter.FLAG_EOS);
            footer();
            return this;
        }

        void footer() throws IOException {
            d.writeByte(RamSplitter.FOOTER);
            d.writeInt(2);
        }

        Stream devices(byte[] rest) throws IOException {
            d.writeByte(0x04); // a device's FULL section: copied as it is
            d.write(rest);
            return this;
        }

        void name8(String s) throws IOException {
            d.writeByte(s.length());
            d.write(s.getBytes(StandardCharsets.US_ASCII));
        }

        void name32(String s) throws IOException {
            d.writeInt(s.length());
            d.write(s.getBytes(StandardCharsets.US_ASCII));
        }

        byte[] bytes() {
            return bytes.toByteArray();
        }
    }

    RamSplitter.Result split(byte[] stream, ByteArrayOutputStream out, Path ram) throws IOException {
        try (FileChannel file = FileChannel.open(ram, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE)) {
            return RamSplitter.split(Channels.newChannel(new java.io.ByteArrayInputStream(stream)), out, file, MAIN);
        }
    }

    @Test
    void movesTheBlocksPagesIntoTheFileAndKeepsEverythingElse() throws IOException {
        byte[] devices = "device state, then EOF and the JSON description".getBytes(StandardCharsets.US_ASCII);
        byte[] in = new Stream(false)
                .part(RamSplitter.SECTION_PART)
                .page(0, MAIN, (byte) 1).page(PAGE, null, (byte) 2).zero(2L * PAGE, null)
                .page(0, ROM, (byte) 7)      // another block: stays in the stream
                .page(5L * PAGE, MAIN, (byte) 5)
                .page(PAGE, ROM, (byte) 8)   // named again in the input; the output must name it too
                .eos()
                .part(RamSplitter.SECTION_END)
                .zero(15L * PAGE, MAIN).eos()
                .devices(devices).bytes();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Path ram = dir.resolve("ram");
        RamSplitter.Result r = split(in, out, ram);

        assertEquals(16L * PAGE, r.blockBytes());
        assertEquals(3, r.dataPages());
        assertFalse(r.ignoreShared());
        byte[] file = Files.readAllBytes(ram);
        assertEquals(16 * PAGE, file.length);
        assertEquals(1, file[0]);
        assertEquals(2, file[PAGE + 100]);
        assertEquals(0, file[2 * PAGE]);
        assertEquals(5, file[5 * PAGE + PAGE - 1]);
        assertEquals(0, file[15 * PAGE]);

        // What a restore loads: the same stream with only the other block's pages in its parts.
        byte[] expected = new Stream(false)
                .part(RamSplitter.SECTION_PART)
                .page(0, ROM, (byte) 7)
                .page(PAGE, null, (byte) 8)
                .eos()
                .part(RamSplitter.SECTION_END).eos()
                .devices(devices).bytes();
        assertArrayEquals(expected, out.toByteArray());
    }

    /**
     * A fork's clone maps the memory file privately before the save has written it (QEMU reads no
     * page of it until the state loads): a file made at the block's size is filled in place, not
     * truncated, and a private mapping that has not written a page sees what arrives later.
     */
    @Test
    void aPrivateMappingMadeBeforeTheSaveSeesWhatItWrites() throws IOException {
        Path ram = dir.resolve("ram");
        try (FileChannel f = FileChannel.open(ram, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            f.write(java.nio.ByteBuffer.allocate(1), 16L * PAGE - 1);
        }
        Object inode = Files.readAttributes(ram, java.nio.file.attribute.BasicFileAttributes.class).fileKey();
        try (FileChannel clone = FileChannel.open(ram, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            var mapped = clone.map(FileChannel.MapMode.PRIVATE, 0, 16L * PAGE);
            assertEquals(0, mapped.get(4 * PAGE), "a hole reads as zero before the save");
            byte[] in = new Stream(false).part(RamSplitter.SECTION_PART)
                    .page(4L * PAGE, MAIN, (byte) 4).page(9L * PAGE, null, (byte) 9).eos()
                    .part(RamSplitter.SECTION_END).eos()
                    .devices(new byte[] {0}).bytes();
            assertEquals(2, split(in, new ByteArrayOutputStream(), ram).dataPages());
            assertEquals(4, mapped.get(4 * PAGE), "a page read before it was written");
            assertEquals(9, mapped.get(9 * PAGE + 5), "a page not read before");
            assertEquals(0, mapped.get(5 * PAGE));
        }
        assertEquals(inode, Files.readAttributes(ram, java.nio.file.attribute.BasicFileAttributes.class).fileKey());
        assertEquals(16L * PAGE, Files.size(ram));
    }

    @Test
    void aZeroPageAfterDataZeroesIt() throws IOException {
        byte[] in = new Stream(false).part(RamSplitter.SECTION_PART)
                .page(3L * PAGE, MAIN, (byte) 9).eos()
                .part(RamSplitter.SECTION_END).zero(3L * PAGE, MAIN).eos()
                .devices(new byte[] {0}).bytes();
        Path ram = dir.resolve("ram");
        split(in, new ByteArrayOutputStream(), ram);
        byte[] file = Files.readAllBytes(ram);
        assertEquals(0, file[3 * PAGE]);
        assertEquals(0, file[4 * PAGE - 1]);
    }

    @Test
    void tellsWhetherAStreamWasSavedWithIgnoreShared() throws IOException {
        byte[] shared = new Stream(true).part(RamSplitter.SECTION_END).eos().devices(new byte[] {0}).bytes();
        byte[] plain = new Stream(false).part(RamSplitter.SECTION_END).eos().devices(new byte[] {0}).bytes();
        assertTrue(RamSplitter.ignoresShared(Channels.newChannel(new java.io.ByteArrayInputStream(shared))));
        assertFalse(RamSplitter.ignoresShared(Channels.newChannel(new java.io.ByteArrayInputStream(plain))));
        // and a stream saved with it still splits: its block list carries each block's address
        RamSplitter.Result r = split(shared, new ByteArrayOutputStream(), dir.resolve("ram"));
        assertTrue(r.ignoreShared());
        assertEquals(16L * PAGE, r.blockBytes());
    }

    @Test
    void refusesWhatSnapshotsDoNotUse() throws IOException {
        Stream s = new Stream(false).part(RamSplitter.SECTION_PART);
        s.d.writeLong(0x40 | 0x08); // XBZRLE
        IOException e = assertThrows(IOException.class,
                () -> split(s.bytes(), new ByteArrayOutputStream(), dir.resolve("ram")));
        assertTrue(e.getMessage().contains("XBZRLE"), e.getMessage());
    }

    @Test
    void refusesAStreamThatEndsEarlyOrIsNotOne() {
        byte[] whole;
        try {
            whole = new Stream(false).part(RamSplitter.SECTION_PART).page(0, MAIN, (byte) 1).eos().bytes();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        byte[] cut = Arrays.copyOf(whole, whole.length - PAGE);
        assertThrows(java.io.EOFException.class, () -> split(cut, new ByteArrayOutputStream(), dir.resolve("ram")));
        byte[] notOne = "GIF89a, not a migration stream".getBytes(StandardCharsets.US_ASCII);
        IOException e = assertThrows(IOException.class,
                () -> split(notOne, new ByteArrayOutputStream(), dir.resolve("ram")));
        assertTrue(e.getMessage().contains("not a QEMU migration stream"), e.getMessage());
    }
}
