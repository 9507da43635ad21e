package dev.smolvm.sandbox;

import dev.smolvm.SmolvmException;
import dev.smolvm.guest.Channel;
import dev.smolvm.guest.Readiness;
import dev.smolvm.host.Poll;

import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;

/** A guest channel that reaches nothing: ready and open as told, and remembers what it was asked. */
final class FakeChannel implements Channel {
    final List<String> calls = new ArrayList<>();
    boolean ready = true;
    boolean openFails;

    @Override
    public Readiness readiness() {
        return Readiness.of("the fake channel", () -> ready);
    }

    @Override
    public void open(Poll.Deadline deadline, BooleanSupplier vmAlive, String subject) {
        calls.add("open");
        if (openFails) {
            throw SmolvmException.unavailable(subject + " refused the fake channel");
        }
    }

    @Override
    public Outcome exec(String cmd, Duration limit, InputStream in, OutputStream out, OutputStream err, Runnable t) {
        calls.add("exec " + cmd);
        return new Outcome(0, false);
    }

    @Override
    public boolean run(String remoteCommand, Duration timeout) {
        calls.add("run " + remoteCommand);
        return true;
    }

    @Override
    public void requestPowerOff() {
        calls.add("poweroff");
    }

    @Override
    public boolean alive() {
        return true;
    }

    @Override
    public void close() {
        calls.add("close");
    }
}
