package clinic.ingress.webhook;

/**
 * A webhook answered with an RFC 9457 problem instead of a {@link WebhookAnswer}.
 * Written by {@link WebhookRoute}.
 */
public class WebhookRejection extends RuntimeException {

    private final int status;
    private final String code;
    private final Integer retryAfter;

    private WebhookRejection(int status, String code, String detail, Integer retryAfter, Throwable cause) {
        super(detail, cause, false, false);
        this.status = status;
        this.code = code;
        this.retryAfter = retryAfter;
    }

    static WebhookRejection unauthorized() {
        return new WebhookRejection(401, "unauthorized", "missing, wrong or expired webhook credentials", null, null);
    }

    static WebhookRejection problem(int status, String code, String detail) {
        return new WebhookRejection(status, code, detail, null, null);
    }

    static WebhookRejection badRequest(String detail) {
        return new WebhookRejection(400, "invalid-event", detail, null, null);
    }

    static WebhookRejection tooLarge(long limit) {
        return new WebhookRejection(413, "body-too-large", "the body exceeds " + limit + " bytes", null, null);
    }

    static WebhookRejection starting(int retryAfter) {
        return new WebhookRejection(503, "starting",
                "this replica is still reading the instance webhook secrets; retry shortly", retryAfter, null);
    }

    static WebhookRejection busy(int retryAfter) {
        return new WebhookRejection(503, "intake-busy",
                "the body waited for room among the webhook bytes being read (ingress.webhook.max-inflight-bytes) "
                        + "until its read deadline; retry later",
                retryAfter, null);
    }

    /** 408, which Evolution retries: the body stopped arriving, or took longer than its deadline. */
    static WebhookRejection bodyTimeout() {
        return new WebhookRejection(408, "body-timeout",
                "the body stopped arriving (ingress.webhook.body-idle-timeout) or was not whole in time "
                        + "(ingress.webhook.body-read-timeout)",
                null, null);
    }

    /**
     * 503, not 429: the service is out of room, not the sender out of line (an instance alone may
     * use all of it); Evolution 2.3 retries both alike and ignores Retry-After, and a proxy in front
     * of several replicas may take a 503 to another.
     */
    static WebhookRejection overloaded(int retryAfter) {
        return new WebhookRejection(503, "overloaded",
                "the service is overloaded and this instance holds the largest share of its queue; retry later",
                retryAfter, null);
    }

    static WebhookRejection unavailable(int retryAfter, Throwable cause) {
        return new WebhookRejection(503, "storage-unavailable",
                "the message could not be made durable; retry later", retryAfter, cause);
    }

    public int status() {
        return status;
    }

    public String code() {
        return code;
    }

    public Integer retryAfter() {
        return retryAfter;
    }
}
