package dev.multidb.command;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.lettuce.core.protocol.CommandArgs;
import io.lettuce.core.protocol.ProtocolKeyword;

/**
 * The connection state an application set on one of its {@code connect()} connections (SELECT,
 * CLIENT SETNAME, READONLY, HELLO, AUTH …), kept as the commands that set it, so that every
 * physical connection the application connection uses, on any database, can be brought to the
 * same state by sending them again, as Lettuce does after a reconnect.
 *
 * <p>Each change bumps a version; a physical connection that has applied an older version is
 * brought up to date before its next command.
 */
final class SessionState {

    /** One remembered setting: the command that sets it. */
    record Setting(ProtocolKeyword type, CommandArgs<?, ?> args) {
    }

    /** By what it sets ("SELECT", "CLIENT SETNAME" …): a later command replaces an earlier one. */
    private final Map<String, Setting> settings = new LinkedHashMap<>();
    private volatile int version;

    int version() {
        return version;
    }

    /** Remembers {@code setting} under {@code key}; returns what it replaced (or {@code null}) and the new version. */
    synchronized Change remember(String key, Setting setting) {
        Setting previous = settings.put(key, setting);
        return new Change(key, previous, ++version);
    }

    /**
     * Undoes a {@link #remember} whose command failed, unless a later change replaced it meanwhile.
     * Returns the new version when nothing else changed since (the connection that refused the
     * command then has exactly that state), otherwise -1.
     */
    synchronized int undo(Change change, Setting failed) {
        if (settings.get(change.key) != failed) {
            return -1;
        }
        if (change.previous == null) {
            settings.remove(change.key);
        } else {
            settings.put(change.key, change.previous);
        }
        boolean latest = version == change.version;
        version++;
        return latest ? version : -1;
    }

    /** The commands that recreate the state, and the version they amount to. */
    synchronized Snapshot snapshot() {
        return new Snapshot(new ArrayList<>(settings.values()), version);
    }

    record Change(String key, Setting previous, int version) {
    }

    record Snapshot(List<Setting> settings, int version) {
    }
}
