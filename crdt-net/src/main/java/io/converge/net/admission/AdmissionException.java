package io.converge.net.admission;

/** An admission frame that cannot be decoded (truncated, unknown tag, bad identity). Unchecked. */
public final class AdmissionException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public AdmissionException(String message) {
        super(message, null, false, false);
    }
}
