package io.converge.crdt.testing;

/**
 * Thrown by {@link ConvergenceChecker} and {@link LawChecker} when replicas diverge or a law
 * fails. The message holds what failed, the values involved, the step-by-step trace and, for
 * random schedules, the seed that replays the failure.
 */
public final class ConvergenceFailure extends AssertionError {
    private static final long serialVersionUID = 1L;

    ConvergenceFailure(String message) {
        super(message);
    }
}
