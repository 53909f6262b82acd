package clinic.ingress.admin;

/** An admin request answered with a problem document (400, 403, 404, 409), audited with its target. */
final class AdminProblem extends RuntimeException {

    final int status;
    final String code;
    final String target;

    AdminProblem(int status, String code, String detail, String target) {
        super(detail, null, false, false);
        this.status = status;
        this.code = code;
        this.target = target;
    }

    static AdminProblem badRequest(String detail) {
        return new AdminProblem(400, "bad-request", detail, null);
    }
}
