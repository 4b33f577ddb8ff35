package dev.multidb.command;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;

import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.output.CommandOutput;
import io.lettuce.core.protocol.ProtocolKeyword;

/**
 * The view of the application command's output that one attempt decodes into. Attempts share the
 * application's output, so an attempt that failed must never write into it again: a reply that
 * arrives late for a timed-out attempt would otherwise land in the output a retry is filling
 * (LRANGE returning its elements twice, an error mark turning the retry's success into a failure).
 *
 * <p>The guard is CLEAN until the first byte of a reply is decoded (TOUCHED). When the attempt
 * fails, {@link #seal()} succeeds only from CLEAN: then nothing was written and nothing ever
 * will be, and a retry may use the output. A TOUCHED output was partly written: the attempt is
 * not retried.
 */
final class GuardedOutput<K, V, T> extends CommandOutput<K, V, T> {

    private static final int CLEAN = 0;
    private static final int TOUCHED = 1;
    private static final int SEALED = 2;

    @SuppressWarnings("rawtypes")
    private static final AtomicIntegerFieldUpdater<GuardedOutput> STATE = AtomicIntegerFieldUpdater.newUpdater(GuardedOutput.class,
            "state");

    private final CommandOutput<K, V, T> delegate;
    private final ProtocolKeyword type;
    private volatile int state;
    private volatile String rejection;

    @SuppressWarnings({ "unchecked", "rawtypes" })
    GuardedOutput(CommandOutput<K, V, T> delegate, ProtocolKeyword type) {
        super((RedisCodec) StringCodec.UTF8, null); // never used: every call is delegated
        this.delegate = delegate;
        this.type = type;
    }

    /** Stops all further writes; {@code true} when nothing was ever written. */
    boolean seal() {
        return STATE.compareAndSet(this, CLEAN, SEALED) || state == SEALED;
    }

    /** Whether a write may go through: marks the output touched on the first one. */
    private boolean open() {
        int current = state;
        if (current == TOUCHED) {
            return true;
        }
        return current == CLEAN && (STATE.compareAndSet(this, CLEAN, TOUCHED) || state == TOUCHED);
    }

    CommandOutput<K, V, T> delegate() {
        return delegate;
    }

    @Override
    public T get() {
        return delegate.get();
    }

    @Override
    public void set(ByteBuffer bytes) {
        if (open()) {
            delegate.set(bytes);
        }
    }

    @Override
    public void setSingle(ByteBuffer bytes) {
        if (open()) {
            delegate.setSingle(bytes);
        }
    }

    @Override
    public void setBigNumber(ByteBuffer bytes) {
        if (open()) {
            delegate.setBigNumber(bytes);
        }
    }

    @Override
    public void set(long integer) {
        if (open()) {
            delegate.set(integer);
        }
    }

    @Override
    public void set(double number) {
        if (open()) {
            delegate.set(number);
        }
    }

    @Override
    public void set(boolean value) {
        if (open()) {
            delegate.set(value);
        }
    }

    @Override
    public void setError(ByteBuffer error) {
        // Only the first thing decoded can be a refusal: an error after that is inside an array.
        if (state == CLEAN) {
            String reply = StandardCharsets.UTF_8.decode(error.duplicate()).toString();
            if (Refusals.isRefusal(type, reply)) {
                rejection = reply; // not the command's answer: the output stays clean for a retry
                return;
            }
        }
        if (open()) {
            delegate.setError(error);
        }
    }

    /** The refusal the database answered instead of executing the command, or {@code null}. */
    String rejection() {
        return rejection;
    }

    @Override
    public void setError(String error) {
        // Lettuce marks the commands it drops on a close or reset this way ("Connection closed");
        // Redis error replies come through setError(ByteBuffer). The attempt's failure reaches the
        // router through completeExceptionally: the shared output stays clean for a retry.
    }

    @Override
    public boolean hasError() {
        return delegate.hasError();
    }

    @Override
    public String getError() {
        return delegate.getError();
    }

    @Override
    public void complete(int depth) {
        // Lettuce's decoder completes the output after every reply, a refusal too: that must not
        // count as the output taking the refusal, or the refused command could never be resent.
        if (rejection == null && open()) {
            delegate.complete(depth);
        }
    }

    @Override
    public void multi(int count) {
        if (open()) {
            delegate.multi(count);
        }
    }

    @Override
    public void multiArray(int count) {
        if (open()) {
            delegate.multiArray(count);
        }
    }

    @Override
    public void multiPush(int count) {
        if (open()) {
            delegate.multiPush(count);
        }
    }

    @Override
    public void multiMap(int count) {
        if (open()) {
            delegate.multiMap(count);
        }
    }

    @Override
    public void multiSet(int count) {
        if (open()) {
            delegate.multiSet(count);
        }
    }

    @Override
    public String toString() {
        return delegate.toString();
    }
}
