package clinic.ingress.background;

import org.jboss.logging.Logger;

/**
 * The log of one background job that retries until it succeeds: its first failure at ERROR, naming
 * the cause and what to do ({@link Failures}); the same cause again at DEBUG; another cause at ERROR
 * again; the recovery at INFO with how many attempts failed. A database or Redis that refuses the
 * service's credentials is one line, not two a second.
 */
public final class FailureLog {

    private final Logger log;
    private final String job;
    private String cause;
    private long failures;

    /**
     * @param owner the class whose log category the lines go to
     * @param job what failed, as the log line starts: "cannot read instance webhook secrets"
     */
    public FailureLog(Class<?> owner, String job) {
        this.log = Logger.getLogger(owner);
        this.job = job;
    }

    public synchronized void failed(Throwable failure, String retry) {
        String described = Failures.describe(failure);
        failures++;
        if (described.equals(cause)) {
            log.debugf("%s (%s): still failing, attempt %d; %s", job, described, failures, retry);
            return;
        }
        cause = described;
        log.errorf("%s: %s%s; %s", job, described, Failures.hint(failure), retry);
    }

    public synchronized void recovered() {
        if (cause != null) {
            log.infof("%s: recovered after %d failed attempts", job, failures);
        }
        cause = null;
        failures = 0;
    }

    /** The last failure's cause while failing, null once recovered: for readiness details. */
    public synchronized String cause() {
        return cause;
    }
}
