package dev.multidb.command;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.protocol.CommandArgs;
import io.lettuce.core.protocol.CommandType;

class SessionStateTest {

    private static SessionState.Setting select(int index) {
        return new SessionState.Setting(CommandType.SELECT, new CommandArgs<>(StringCodec.UTF8).add(index));
    }

    @Test
    void aLaterSettingReplacesAnEarlierOneAndEveryChangeIsANewVersion() {
        SessionState state = new SessionState();
        SessionState.Setting one = select(1);
        SessionState.Change first = state.remember("SELECT", one);
        SessionState.Change second = state.remember("SELECT", select(2));
        state.remember("CLIENT SETNAME", new SessionState.Setting(CommandType.CLIENT,
                new CommandArgs<>(StringCodec.UTF8).add("SETNAME").add("app")));

        assertThat(second.version()).isGreaterThan(first.version());
        assertThat(first.previous()).isNull();
        assertThat(second.previous()).isSameAs(one);
        SessionState.Snapshot snapshot = state.snapshot();
        assertThat(snapshot.settings()).hasSize(2);
        assertThat(snapshot.settings().get(0).args().toCommandString()).isEqualTo("2");
        assertThat(snapshot.version()).isEqualTo(state.version());
    }

    @Test
    void aRefusedSettingIsUndoneAndTheConnectionThatRefusedItIsUpToDate() {
        SessionState state = new SessionState();
        SessionState.Setting one = select(1);
        state.remember("SELECT", one);
        SessionState.Setting bad = select(9999);
        SessionState.Change change = state.remember("SELECT", bad);

        int restored = state.undo(change, bad);

        assertThat(restored).isEqualTo(state.version()).isGreaterThan(change.version());
        assertThat(state.snapshot().settings()).containsExactly(one);
    }

    @Test
    void anUndoAfterAnotherChangeKeepsTheNewerSettingAndSaysNoConnectionIsKnownUpToDate() {
        SessionState state = new SessionState();
        SessionState.Setting bad = select(9999);
        SessionState.Change change = state.remember("SELECT", bad);
        SessionState.Setting newer = select(3);
        state.remember("SELECT", newer);

        assertThat(state.undo(change, bad)).isEqualTo(-1);
        assertThat(state.snapshot().settings()).containsExactly(newer);
    }

    @Test
    void undoingTheFirstSettingOfAKindForgetsIt() {
        SessionState state = new SessionState();
        SessionState.Setting bad = select(9999);
        SessionState.Change change = state.remember("SELECT", bad);
        state.remember("CLIENT SETNAME", new SessionState.Setting(CommandType.CLIENT, new CommandArgs<>(StringCodec.UTF8)));

        assertThat(state.undo(change, bad)).isEqualTo(-1); // another change came between
        assertThat(state.snapshot().settings()).extracting(SessionState.Setting::type).containsExactly(CommandType.CLIENT);
    }
}
