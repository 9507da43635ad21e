package dev.smolvm.runtime.qemu;

import java.io.BufferedOutputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.ReadableByteChannel;
import java.nio.charset.StandardCharsets;
import java.util.BitSet;

/**
 * Splits a QEMU migration stream (format version 3, as QEMU 7.2 writes it for a stopped VM) into
 * a stream of the same format without the pages of one RAM block, and that block's pages written
 * into a sparse file. This is how a VM whose RAM is a private mapping (a restore) gets a snapshot
 * whose memory is a file: QEMU 7.2 can leave only a <em>shared</em> RAM block out of a migration
 * ({@code x-ignore-shared}). A restore maps the file copy-on-write and loads the rest of the
 * stream, which carries no page of that block, so QEMU leaves the mapped memory as it is.
 *
 * <p>What is parsed: the header, the configuration section (machine name and its subsections),
 * the {@code ram} section's block list, and every page record of the {@code ram} section's parts.
 * The device sections after the last {@code ram} part are copied as they are. Anything else (page
 * compression, XBZRLE, another iterative section) is refused with an {@link IOException}: those
 * capabilities are never turned on here, and a stream this class does not understand must not
 * become a snapshot.
 */
final class RamSplitter {
    static final int MAGIC = 0x5145564d; // "QEVM"
    static final int VERSION = 3;
    static final int SECTION_START = 0x01;
    static final int SECTION_PART = 0x02;
    static final int SECTION_END = 0x03;
    static final int SUBSECTION = 0x05;
    static final int CONFIGURATION = 0x07;
    static final int FOOTER = 0x7e;
    static final long FLAG_ZERO = 0x02;
    static final long FLAG_MEM_SIZE = 0x04;
    static final long FLAG_PAGE = 0x08;
    static final long FLAG_EOS = 0x10;
    static final long FLAG_CONTINUE = 0x20;
    static final int PAGE = 4096;
    private static final long FLAGS_MASK = PAGE - 1;

    /** What was taken out: the block's size and how many of its pages hold data. */
    record Result(long blockBytes, long dataPages, boolean ignoreShared) {
    }

    private final ReadableByteChannel source;
    private final ByteBuffer buf = ByteBuffer.allocate(1 << 20).flip();
    private final DataOutputStream out;
    private final FileChannel ram;
    private final String block;
    /** Consecutive pages, written to the file in one call (page by page through a mapping was 10× slower). */
    private final ByteBuffer run = ByteBuffer.allocateDirect(4 << 20);
    private long runStart = -1;
    private final BitSet written = new BitSet();
    private long blockBytes = -1;
    private long dataPages;
    private boolean ignoreShared;
    private int ramSection = -1;
    private String lastIn;
    private String lastOut;

    private RamSplitter(ReadableByteChannel source, OutputStream out, FileChannel ram, String block) {
        this.source = source;
        this.out = new DataOutputStream(new BufferedOutputStream(out, 1 << 16));
        this.ram = ram;
        this.block = block;
    }

    /**
     * Reads the stream {@code in} to its end: writes it to {@code out} without the pages of RAM
     * block {@code block}, and those pages into {@code ram}, sized to the block (zero pages stay holes).
     * A {@code ram} already at the block's size is written in place, so it must be all holes.
     */
    static Result split(ReadableByteChannel in, OutputStream out, FileChannel ram, String block) throws IOException {
        RamSplitter s = new RamSplitter(in, out, ram, block);
        s.run();
        return new Result(s.blockBytes, s.dataPages, s.ignoreShared);
    }

    /** Whether a stream's configuration lists {@code x-ignore-shared} (the loading QEMU must match it). */
    static boolean ignoresShared(ReadableByteChannel stream) throws IOException {
        RamSplitter s = new RamSplitter(stream, OutputStream.nullOutputStream(), null, "");
        s.header();
        return s.ignoreShared;
    }

    private void run() throws IOException {
        header();
        ramStart();
        int type;
        while (true) {
            type = u8();
            if (type != SECTION_PART && type != SECTION_END) {
                break;
            }
            int id = be32();
            if (id != ramSection) {
                throw new IOException("an iterative section other than RAM (id " + id + ") is in the stream");
            }
            out.writeByte(type);
            out.writeInt(id);
            pages();
            footer(id);
        }
        if (blockBytes < 0) {
            throw new IOException("the stream's RAM section does not list block '" + block + "'");
        }
        flushRun();
        // The device sections, the end marker and QEMU's description of them: as they are.
        out.writeByte(type);
        do {
            out.write(buf.array(), buf.position(), buf.remaining());
            buf.clear().flip();
        } while (fill(1));
        out.flush();
    }

    private void header() throws IOException {
        int magic = copy32();
        int version = copy32();
        if (magic != MAGIC || version != VERSION) {
            throw new IOException("not a QEMU migration stream of version " + VERSION);
        }
        if (peek() != CONFIGURATION) {
            return;
        }
        copy8();
        copyBytes(copy32()); // the machine type's name
        while (peek() == SUBSECTION) {
            copy8();
            String name = ascii(copyBytes(copy8()));
            copy32(); // its version
            switch (name) {
                case "configuration/target-page-bits" -> {
                    if (copy32() != 12) {
                        throw new IOException("the stream's target pages are not 4 KiB");
                    }
                }
                case "configuration/capabilities" -> {
                    int count = copy32();
                    for (int i = 0; i < count; i++) {
                        ignoreShared |= ascii(copyBytes(copy8())).equals("x-ignore-shared");
                    }
                }
                case "configuration/uuid" -> copyBytes(16);
                default -> throw new IOException("unknown configuration subsection '" + name + "'");
            }
        }
    }

    private void ramStart() throws IOException {
        if (copy8() != SECTION_START) {
            throw new IOException("the stream does not begin with its RAM section");
        }
        ramSection = copy32();
        String name = ascii(copyBytes(copy8()));
        if (!name.equals("ram")) {
            throw new IOException("the first section is '" + name + "', not 'ram'");
        }
        copy32(); // instance
        copy32(); // version
        long total = copy64();
        if ((total & FLAG_MEM_SIZE) == 0) {
            throw new IOException("the RAM section does not begin with its block list");
        }
        total &= ~FLAGS_MASK;
        long listed = 0;
        while (listed < total) {
            String id = ascii(copyBytes(copy8()));
            long length = copy64();
            if (ignoreShared) {
                copy64(); // the block's guest address
            }
            if (id.equals(block)) {
                blockBytes = length;
                if (ram.size() != length) { // else made at its size already, all holes (and perhaps mapped)
                    ram.truncate(0);
                    ram.write(ByteBuffer.allocate(1), length - 1); // its size; holes until a page is written
                }
            }
            listed += length;
        }
        if (listed != total || copy64() != FLAG_EOS) {
            throw new IOException("the RAM section's block list is malformed");
        }
        footer(ramSection);
    }

    private void pages() throws IOException {
        while (true) {
            long header = be64();
            long flags = header & FLAGS_MASK;
            long offset = header & ~FLAGS_MASK;
            if (flags == FLAG_EOS) {
                out.writeLong(FLAG_EOS);
                return;
            }
            long kind = flags & (FLAG_ZERO | FLAG_PAGE);
            if ((flags & ~(FLAG_ZERO | FLAG_PAGE | FLAG_CONTINUE)) != 0 || kind == 0 || kind == (FLAG_ZERO | FLAG_PAGE)) {
                throw new IOException("a RAM record with flags 0x" + Long.toHexString(flags) + " (compression or "
                        + "XBZRLE), which snapshots do not use");
            }
            String id = lastIn;
            if ((flags & FLAG_CONTINUE) == 0) {
                id = ascii(bytes(u8()));
                lastIn = id;
            } else if (id == null) {
                throw new IOException("a RAM record continues a block before any was named");
            }
            boolean zero = kind == FLAG_ZERO;
            if (id.equals(block)) {
                toFile(offset, zero);
                continue;
            }
            if (id.equals(lastOut)) {
                out.writeLong(offset | kind | FLAG_CONTINUE);
            } else {
                out.writeLong(offset | kind);
                byte[] name = id.getBytes(StandardCharsets.US_ASCII);
                out.writeByte(name.length);
                out.write(name);
                lastOut = id;
            }
            if (zero) {
                out.writeByte(u8());
            } else {
                fill(PAGE);
                out.write(buf.array(), buf.position(), PAGE);
                buf.position(buf.position() + PAGE);
            }
        }
    }

    /** One page of the block: into the mapped file (a zero page is a hole already, unless written before). */
    private void toFile(long offset, boolean zero) throws IOException {
        if (offset + PAGE > blockBytes) {
            throw new IOException("a page at 0x" + Long.toHexString(offset) + " lies outside block '" + block + "'");
        }
        int index = Math.toIntExact(offset / PAGE);
        if (zero) {
            int fillByte = u8();
            if (fillByte != 0 || written.get(index)) { // else a hole already (reading it would allocate it)
                byte[] page = new byte[PAGE];
                java.util.Arrays.fill(page, (byte) fillByte);
                toRun(offset).put(page);
                written.set(index);
            }
            return;
        }
        written.set(index);
        fill(PAGE);
        toRun(offset).put(buf.array(), buf.position(), PAGE);
        buf.position(buf.position() + PAGE);
        dataPages++;
    }

    /** The run buffer, ready for the page at {@code offset} (the run so far is written if that page does not follow it). */
    private ByteBuffer toRun(long offset) throws IOException {
        if (runStart >= 0 && (offset != runStart + run.position() || !run.hasRemaining())) {
            flushRun();
        }
        if (runStart < 0) {
            runStart = offset;
        }
        return run;
    }

    private void flushRun() throws IOException {
        if (runStart < 0) {
            return;
        }
        run.flip();
        long at = runStart;
        while (run.hasRemaining()) {
            at += ram.write(run, at);
        }
        run.clear();
        runStart = -1;
    }

    private void footer(int section) throws IOException {
        if (peek() == FOOTER) {
            copy8();
            if (copy32() != section) {
                throw new IOException("a section's footer names another section");
            }
        }
    }

    // Reading: a buffer refilled from the channel; the copy* methods also write what they read.

    private boolean fill(int n) throws IOException {
        if (buf.remaining() >= n) {
            return true;
        }
        buf.compact();
        while (buf.position() < n) {
            if (source.read(buf) < 0) {
                buf.flip();
                if (n == 1 && !buf.hasRemaining()) {
                    return false;
                }
                throw new EOFException("the stream ends early");
            }
        }
        buf.flip();
        return true;
    }

    private int peek() throws IOException {
        if (!fill(1)) {
            throw new EOFException("the stream ends early");
        }
        return buf.get(buf.position()) & 0xff;
    }

    private int u8() throws IOException {
        peek();
        return buf.get() & 0xff;
    }

    private int be32() throws IOException {
        fill(4);
        return buf.getInt();
    }

    private long be64() throws IOException {
        fill(8);
        return buf.getLong();
    }

    private byte[] bytes(int n) throws IOException {
        fill(n);
        byte[] b = new byte[n];
        buf.get(b);
        return b;
    }

    private int copy8() throws IOException {
        int v = u8();
        out.writeByte(v);
        return v;
    }

    private int copy32() throws IOException {
        int v = be32();
        out.writeInt(v);
        return v;
    }

    private long copy64() throws IOException {
        long v = be64();
        out.writeLong(v);
        return v;
    }

    private byte[] copyBytes(int n) throws IOException {
        byte[] b = bytes(n);
        out.write(b);
        return b;
    }

    private static String ascii(byte[] b) {
        return new String(b, StandardCharsets.US_ASCII);
    }
}
