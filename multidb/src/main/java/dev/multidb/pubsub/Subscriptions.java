package dev.multidb.pubsub;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A set of channels, patterns and shard channels, in subscription order. Keys are compared by
 * value, also when the codec's key type is {@code byte[]}.
 *
 * <p>Not thread-safe: the owner guards it.
 */
final class Subscriptions<K> {

    private final EnumMap<Kind, LinkedHashMap<Object, K>> sets = new EnumMap<>(Kind.class);

    Subscriptions() {
        for (Kind kind : Kind.values()) {
            sets.put(kind, new LinkedHashMap<>());
        }
    }

    /** A copy that does not change with this one. */
    Subscriptions<K> copy() {
        Subscriptions<K> copy = new Subscriptions<>();
        for (Map.Entry<Kind, LinkedHashMap<Object, K>> e : sets.entrySet()) {
            copy.sets.get(e.getKey()).putAll(e.getValue());
        }
        return copy;
    }

    /** Adds {@code keys} and returns the ones that were not there yet. */
    List<K> add(Kind kind, List<K> keys) {
        LinkedHashMap<Object, K> set = sets.get(kind);
        List<K> added = new ArrayList<>();
        for (K key : keys) {
            if (set.putIfAbsent(identity(key), key) == null) {
                added.add(key);
            }
        }
        return added;
    }

    void remove(Kind kind, List<K> keys) {
        LinkedHashMap<Object, K> set = sets.get(kind);
        for (K key : keys) {
            set.remove(identity(key));
        }
    }

    /** Removes every key of {@code kind} and returns them. */
    List<K> removeAll(Kind kind) {
        LinkedHashMap<Object, K> set = sets.get(kind);
        List<K> removed = new ArrayList<>(set.values());
        set.clear();
        return removed;
    }

    /** The keys of {@code kind}, in order. */
    List<K> list(Kind kind) {
        return new ArrayList<>(sets.get(kind).values());
    }

    /** An immutable snapshot of the keys of {@code kind}. */
    Set<K> view(Kind kind) {
        return Collections.unmodifiableSet(new LinkedHashSet<>(sets.get(kind).values()));
    }

    /** The keys of {@code kind} in this set that {@code other} does not have. */
    List<K> minus(Subscriptions<K> other, Kind kind) {
        LinkedHashMap<Object, K> theirs = other.sets.get(kind);
        List<K> missing = new ArrayList<>();
        for (Map.Entry<Object, K> e : sets.get(kind).entrySet()) {
            if (!theirs.containsKey(e.getKey())) {
                missing.add(e.getValue());
            }
        }
        return missing;
    }

    /** What keys are compared by: a {@code byte[]} by its content, anything else by {@code equals}. */
    static Object identity(Object key) {
        return key instanceof byte[] bytes ? ByteBuffer.wrap(bytes.clone()) : key;
    }

    @Override
    public String toString() {
        return "channels=" + sets.get(Kind.CHANNEL).values() + " patterns=" + sets.get(Kind.PATTERN).values()
                + " shardChannels=" + sets.get(Kind.SHARD).values();
    }
}
