package io.converge.crdt.store;

import io.converge.crdt.causal.ReplicaId;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Optional;
import java.util.zip.CRC32C;

/**
 * The store's identity file, {@code <directory>/IDENTITY}: which replica the store belongs to and,
 * after a recovery as a new replica, up to which sequence holes in the history were accepted.
 * Plain text, so an operator can read it:
 *
 * <pre>
 * converge-store-identity 1
 * replica-id &lt;id&gt;
 * previous-replica-id &lt;id&gt;         (only after a recovery as a new replica, if the old id was known)
 * accepted-gaps-through &lt;sequence&gt; (only after a recovery as a new replica)
 * crc32c &lt;8 hex digits: CRC32C of every byte before this line&gt;
 * </pre>
 *
 * Written atomically and durably: a temporary file, forced, renamed over the old one, then the
 * directory forced. Never edit it by hand: a replica id must not be reused by a replica that lost
 * its state (crdt.md §2).
 */
final class IdentityFile {
    static final String NAME = "IDENTITY";
    private static final String HEADER = "converge-store-identity 1";
    private static final int MAX_BYTES = 4096;

    /**
     * One identity.
     *
     * @param replicaId           the replica the store belongs to
     * @param previousReplicaId   the replica it belonged to before a recovery as a new replica
     * @param acceptedGapsThrough holes in the history up to this sequence were accepted, {@code -1} if none
     */
    record Identity(ReplicaId replicaId, Optional<ReplicaId> previousReplicaId, long acceptedGapsThrough) {
    }

    /** The identity file could not be read: why. */
    static final class Unreadable extends Exception {
        private static final long serialVersionUID = 1L;

        Unreadable(String message) {
            super(message);
        }
    }

    private IdentityFile() {
    }

    static Path path(Path directory) {
        return directory.resolve(NAME);
    }

    /**
     * The identity in {@code directory}, empty if there is no identity file.
     *
     * @throws Unreadable if the file exists but is not a valid identity
     */
    static Optional<Identity> read(Path directory) throws IOException, Unreadable {
        Path p = path(directory);
        byte[] bytes;
        try {
            if (Files.size(p) > MAX_BYTES) {
                throw new Unreadable(p + " is " + Files.size(p) + " bytes, more than an identity file holds");
            }
            bytes = Files.readAllBytes(p);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
        String text = new String(bytes, StandardCharsets.UTF_8);
        int crcLine = text.lastIndexOf("crc32c ");
        if (crcLine < 0 || (crcLine > 0 && text.charAt(crcLine - 1) != '\n')) {
            throw new Unreadable(p + " has no crc32c line");
        }
        String stored = text.substring(crcLine + "crc32c ".length()).trim();
        String expected = crc(text.substring(0, crcLine));
        if (!stored.equals(expected)) {
            throw new Unreadable(p + ": CRC32C " + expected + " does not match stored " + stored);
        }
        String[] lines = text.substring(0, crcLine).split("\n");
        if (lines.length < 2 || !lines[0].equals(HEADER)) {
            throw new Unreadable(p + " does not start with '" + HEADER + "'");
        }
        ReplicaId id = null;
        ReplicaId previous = null;
        long accepted = -1;
        try {
            for (int i = 1; i < lines.length; i++) {
                String line = lines[i];
                int sp = line.indexOf(' ');
                String key = sp < 0 ? line : line.substring(0, sp);
                String value = sp < 0 ? "" : line.substring(sp + 1);
                switch (key) {
                    case "replica-id" -> id = ReplicaId.of(value);
                    case "previous-replica-id" -> previous = ReplicaId.of(value);
                    case "accepted-gaps-through" -> accepted = Long.parseLong(value);
                    default -> throw new Unreadable(p + ": unknown line '" + line + "'");
                }
            }
        } catch (IllegalArgumentException e) {
            throw new Unreadable(p + ": " + e.getMessage());
        }
        if (id == null) {
            throw new Unreadable(p + " names no replica-id");
        }
        return Optional.of(new Identity(id, Optional.ofNullable(previous), accepted));
    }

    /** Writes {@code identity} atomically and durably, replacing any identity file. */
    static void write(Path directory, Identity identity) throws IOException {
        StringBuilder b = new StringBuilder(HEADER).append('\n');
        b.append("replica-id ").append(identity.replicaId().name()).append('\n');
        identity.previousReplicaId().ifPresent(p -> b.append("previous-replica-id ").append(p.name()).append('\n'));
        if (identity.acceptedGapsThrough() >= 0) {
            b.append("accepted-gaps-through ").append(identity.acceptedGapsThrough()).append('\n');
        }
        String body = b.toString();
        byte[] bytes = (body + "crc32c " + crc(body) + "\n").getBytes(StandardCharsets.UTF_8);
        Path target = path(directory);
        Path temp = directory.resolve(NAME + ".tmp");
        try (FileChannel ch = FileChannel.open(temp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE)) {
            ByteBuffer buf = ByteBuffer.wrap(bytes);
            while (buf.hasRemaining()) {
                ch.write(buf);
            }
            ch.force(true);
        }
        Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        DirectorySync.force(directory);
    }

    private static String crc(String s) {
        CRC32C c = new CRC32C();
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        c.update(b, 0, b.length);
        return String.format("%08x", (int) c.getValue());
    }
}
