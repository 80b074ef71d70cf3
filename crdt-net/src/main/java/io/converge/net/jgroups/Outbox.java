package io.converge.net.jgroups;

import io.converge.net.admission.Admission;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.jgroups.Address;
import org.jgroups.BytesMessage;
import org.jgroups.JChannel;
import org.jgroups.Message;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The bounded queue of frames to one JGroups member, drained by its own daemon sender thread, so
 * that {@link JChannel#send} (which may block on flow-control credits or a TCP connect) never
 * blocks the engine's sync thread nor the frames to other peers. {@link #offer} never blocks: a
 * frame that would pass the frame or byte cap is dropped and counted (the protocol resends).
 * One queue keeps one member's frames, admission and sync alike, in the order offered; acks,
 * nacks and heartbeats ({@link FrameKinds#outOfBand}) wait in a second, urgent queue that the
 * sender empties first, and go out as {@code OOB} and {@code NO_FC} messages: a few bytes each,
 * they are neither queued nor delivered behind a large delta, nor held back by flow-control
 * credits that deltas used up (sync.md §1); never ahead of a queued admission frame, though.
 * Being unordered, one can still reach the peer before the admission it follows and be dropped
 * there (counted as unadmitted): the protocol sends acks and heartbeats again. The caps count both
 * queues.
 */
final class Outbox {
    private static final Logger LOG = LoggerFactory.getLogger(Outbox.class);

    private final JChannel channel;
    private final Address to;
    private final int maxFrames;
    private final long maxBytes;
    private final AtomicLong dropped;
    private final AtomicLong sent;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition nonEmpty = lock.newCondition();
    private final ArrayDeque<byte[]> queue = new ArrayDeque<>();
    /** Acks, nacks and heartbeats: sent before {@link #queue}, out of band. */
    private final ArrayDeque<byte[]> urgent = new ArrayDeque<>();
    private final Thread thread;
    private long bytes;
    private boolean closed;
    /** No new frames; the sender ends once the queue is empty. */
    private boolean draining;

    Outbox(JChannel channel, Address to, String name, int maxFrames, long maxBytes, AtomicLong sent,
            AtomicLong dropped) {
        this.channel = channel;
        this.to = to;
        this.maxFrames = maxFrames;
        this.maxBytes = maxBytes;
        this.sent = sent;
        this.dropped = dropped;
        this.thread = new Thread(this::run, name);
        thread.setDaemon(true);
        thread.start();
    }

    /** Queues {@code frame}, or drops and counts it if the queue is full or closed. */
    boolean offer(byte[] frame) {
        lock.lock();
        try {
            if (closed || draining || queue.size() + urgent.size() >= maxFrames || bytes + frame.length > maxBytes) {
                dropped.incrementAndGet();
                return false;
            }
            (FrameKinds.outOfBand(frame) ? urgent : queue).add(frame);
            bytes += frame.length;
            nonEmpty.signal();
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** Stops the sender after the frame it is sending (if any); the rest is dropped uncounted. */
    void close() {
        lock.lock();
        try {
            closed = true;
            queue.clear();
            urgent.clear();
            bytes = 0;
            nonEmpty.signal();
        } finally {
            lock.unlock();
        }
    }

    /** Takes no more frames and ends the sender once what is queued went out (a leaving node's Goodbye). */
    void drain() {
        lock.lock();
        try {
            draining = true;
            nonEmpty.signal();
        } finally {
            lock.unlock();
        }
    }

    /** Waits at most {@code millis} for the sender thread to end. */
    void join(long millis) throws InterruptedException {
        thread.join(millis);
    }

    private void run() {
        while (true) {
            byte[] frame;
            boolean outOfBand;
            lock.lock();
            try {
                while (queue.isEmpty() && urgent.isEmpty() && !closed && !draining) {
                    nonEmpty.await(1, TimeUnit.SECONDS);
                }
                if (closed || (queue.isEmpty() && urgent.isEmpty())) {
                    return;
                }
                // Never ahead of an admission frame: the peer drops sync frames until it has
                // admitted us, so the Welcome must not be overtaken by our first heartbeat.
                byte[] head = queue.peek();
                boolean admissionFirst = head != null && head.length > 0 && Admission.isAdmissionTag(head[0]);
                outOfBand = !urgent.isEmpty() && !admissionFirst;
                frame = outOfBand ? urgent.poll() : queue.poll();
                bytes -= frame.length;
            } catch (InterruptedException e) {
                return;
            } finally {
                lock.unlock();
            }
            try {
                Message msg = new BytesMessage(to, frame);
                if (outOfBand) {
                    msg.setFlag(Message.Flag.OOB, Message.Flag.NO_FC);
                }
                channel.send(msg);
                sent.incrementAndGet();
            } catch (Exception e) {
                // Channel closed or member gone: the frame is lost like any other, and resent by the protocol.
                dropped.incrementAndGet();
                LOG.debug("send to {} failed: {}", to, e.toString());
            }
        }
    }
}
