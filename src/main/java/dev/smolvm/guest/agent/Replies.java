package dev.smolvm.guest.agent;

import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Waiting for the agent's answers: one-frame replies, the agent's errors, and timeouts, as {@link AgentException}s. */
final class Replies {
    private Replies() {
    }

    /** A request answered by one frame (or an error); the frame completes the future. */
    static final class Reply implements StreamHandler {
        final CompletableFuture<Frame> future = new CompletableFuture<>();
        private final int[] finalTypes;

        Reply(int... finalTypes) {
            this.finalTypes = finalTypes;
        }

        @Override
        public void frame(Frame f) {
            if (f.type() == Wire.ERROR) {
                future.completeExceptionally(errorOf(f));
            } else if (Arrays.stream(finalTypes).anyMatch(t -> t == f.type())) {
                future.complete(f);
            }
        }

        @Override
        public void closed(AgentException why) {
            future.completeExceptionally(why);
        }
    }

    static AgentException errorOf(Frame f) {
        Fields fl;
        try {
            fl = f.fields();
        } catch (AgentProtocolException e) {
            return new AgentException("EPROTO", "the guest agent sent an unreadable error");
        }
        String code = fl.string(Wire.F_CODE).orElse("EIO");
        return new AgentException(code, fl.string(Wire.F_MESSAGE).orElse("the guest agent refused (" + code + ")"));
    }

    static <T> T await(CompletableFuture<T> f, Duration timeout, String what) {
        try {
            return timeout == null ? f.get() : f.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            throw new AgentException("ETIMEDOUT", "the guest agent did not answer in " + timeout.toSeconds()
                    + " s while " + what);
        } catch (ExecutionException e) {
            throw unwrap(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AgentException("EINTR", "interrupted while " + what, e);
        }
    }

    static AgentException unwrap(ExecutionException e) {
        if (e.getCause() instanceof AgentException a) {
            return new AgentException(a.agentCode(), a.getMessage(), a); // a fresh stack for the caller
        }
        return new AgentException("EIO", String.valueOf(e.getCause()), e.getCause());
    }
}
