package dev.smolvm.guest.agent;

/**
 * The numbers of the agent protocol (docs/agent-protocol.md; agent/src/proto.h is the agent's
 * copy). A frame is {@code length:u32 type:u8 stream:u32 payload}, big-endian, where the length
 * counts type, stream and payload.
 */
public final class Wire {
    public static final int VERSION = 1;
    public static final int HEAD = 5;
    public static final int MAX_PAYLOAD = 1 << 20;
    /** Data frames the host sends carry at most this much, as the agent's do. */
    public static final int CHUNK = 64 * 1024;

    // frame types
    public static final int HELLO = 0x01;
    public static final int HELLO_ACK = 0x02;
    public static final int ERROR = 0x03;
    public static final int PING = 0x04;
    public static final int PONG = 0x05;
    public static final int EXEC = 0x10;
    public static final int EXEC_STARTED = 0x11;
    public static final int STDIN = 0x12;
    public static final int STDOUT = 0x13;
    public static final int STDERR = 0x14;
    public static final int EXIT = 0x15;
    public static final int SIGNAL = 0x16;
    public static final int RESIZE = 0x17;
    public static final int WINDOW = 0x18;
    public static final int FILE_WRITE = 0x20;
    public static final int FILE_READ = 0x21;
    public static final int DATA = 0x22;
    public static final int FILE_DONE = 0x23;
    public static final int FILE_INFO = 0x24;
    public static final int CANCEL = 0x25;
    public static final int IDENTITY = 0x30;
    public static final int IDENTITY_DONE = 0x31;
    public static final int NETID = 0x32;
    public static final int NETID_DONE = 0x33;
    public static final int SYNC = 0x34;
    public static final int SYNC_DONE = 0x35;

    // field keys
    public static final int F_VERSION = 1;
    public static final int F_CAP = 2;
    public static final int F_ARG = 3;
    public static final int F_SCRIPT = 4;
    public static final int F_CWD = 5;
    public static final int F_ENV = 6;
    public static final int F_PTY = 7;
    public static final int F_ROWS = 8;
    public static final int F_COLS = 9;
    public static final int F_PID = 10;
    public static final int F_CODE = 11;
    public static final int F_SIGNAL = 12;
    public static final int F_PATH = 13;
    public static final int F_MODE = 14;
    public static final int F_NO_MKDIR = 15;
    public static final int F_MESSAGE = 16;
    public static final int F_SIZE = 17;
    public static final int F_STDIN = 18;
    public static final int F_WINDOW = 19;
    public static final int F_AGENT = 20;
    public static final int F_MAX_PAYLOAD = 21;
    public static final int F_USER = 22;
    public static final int F_HOSTNAME = 23;
    public static final int F_MAC = 24;
    public static final int F_ADDR = 25;
    public static final int F_GATEWAY = 26;

    private Wire() {
    }
}
