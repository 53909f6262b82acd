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
                "too many webhook bytes are being read at once (ingress.webhook.max-inflight-bytes); retry later",
                retryAfter, null);
    }

    static WebhookRejection throttled(int retryAfter) {
        return new WebhookRejection(429, "instance-rate-exceeded",
                "this instance sent more than its share (ingress.webhook.instance-rate); retry later", retryAfter, null);
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
