package io.converge.crdt.store;

import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;

/**
 * A store refused to open because it cannot prove it holds a gap-free history: some records are
 * in neither a snapshot nor the log (a segment or snapshot deleted, damaged or cut short). Opening
 * it anyway would bring the replica back without writes it had acknowledged, and perhaps sent, and
 * it would then mint their dots a second time (crdt.md §2). Nothing on disk was changed.
 *
 * <p>The way on: restore the missing files (the exception names them), or start the node as a
 * new replica with {@link StoreConfig.Builder#recoverAsNewReplica}: the store then keeps what it
 * can read, sets the rest aside and issues dots only under the new id.
 */
public final class StoreGapException extends StoreException {
    private static final long serialVersionUID = 1L;

    private final transient Path directory;
    private final transient List<RecoveryReport.Gap> gaps;
    private final transient List<RecoveryReport.Damage> damages;

    /** An exception naming the store, its holes and the damaged files found. */
    public StoreGapException(Path directory, List<RecoveryReport.Gap> gaps, List<RecoveryReport.Damage> damages) {
        super(message(directory, gaps, damages));
        this.directory = directory;
        this.gaps = List.copyOf(gaps);
        this.damages = List.copyOf(damages);
    }

    private static String message(Path directory, List<RecoveryReport.Gap> gaps, List<RecoveryReport.Damage> damages) {
        StringBuilder b = new StringBuilder("store ").append(directory)
                .append(" cannot prove a gap-free history and was not opened (nothing was changed on disk): missing ")
                .append(gaps.stream().map(RecoveryReport.Gap::toString).collect(Collectors.joining("; ")));
        if (!damages.isEmpty()) {
            b.append(". Damaged: ").append(damages.stream()
                    .map(d -> d.segment() + " at offset " + d.offset() + " (" + d.reason() + ": " + d.detail() + ")")
                    .collect(Collectors.joining("; ")));
        }
        return b.append(". Restore the missing files, or start the node as a new replica with a new id"
                + " (StoreConfig.Builder.recoverAsNewReplica)").toString();
    }

    /** The store's directory. */
    public Path directory() {
        return directory;
    }

    /** The holes found: which sequences are missing and where. */
    public List<RecoveryReport.Gap> gaps() {
        return gaps;
    }

    /** The damaged files and records found (may be empty: a file can simply be missing). */
    public List<RecoveryReport.Damage> damages() {
        return damages;
    }
}
