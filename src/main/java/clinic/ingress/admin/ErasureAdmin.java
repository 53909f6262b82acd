package clinic.ingress.admin;

import java.util.UUID;
import java.util.regex.Pattern;

import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import clinic.ingress.erasure.Erasure;
import clinic.ingress.erasure.Erasures;
import io.smallrye.mutiny.Uni;

/**
 * A patient's erasure as an operator asks for it and reads its receipt (docs/operations.md#erasing-a-patient).
 * The answer and the audit name the erasure by id and the patient by subject, never by phone.
 */
@ApplicationScoped
class ErasureAdmin {

    /** A phone as people write it: digits, with a leading +, spaces, dots, dashes or brackets. */
    private static final Pattern PHONE = Pattern.compile("\\+?[0-9 ().-]{8,40}");
    private static final Pattern LID = Pattern.compile("[0-9]{1,32}");
    private static final Pattern PSEUDONYM = Pattern.compile("p_[0-9a-f]{64}");

    private final Erasures erasures;

    ErasureAdmin(Erasures erasures) {
        this.erasures = erasures;
    }

    /**
     * {@code POST /admin/patients/erase {"instance", "phone" | "lid" | "patient"}}: 202 with the
     * erasure ({@code GET /admin/patients/erasures/{id}} follows it); the running one if the patient
     * is being erased already.
     */
    Uni<AdminAnswer> erase(AdminCall call) {
        String instance = call.text("instance");
        if (instance == null || instance.isBlank()) {
            return Uni.createFrom().failure(AdminProblem.badRequest("{\"instance\": \"...\"} is required"));
        }
        Erasures.Asked asked;
        try {
            asked = asked(call.text("phone"), call.text("lid"), call.text("patient"));
        } catch (AdminProblem bad) {
            return Uni.createFrom().failure(bad);
        }
        return erasures.request(instance, asked, call.operator())
                .onFailure(Erasures.Refused.class).transform(refused -> new AdminProblem(
                        ((Erasures.Refused) refused).status(), "not-found", refused.getMessage(), instance))
                .map(erasure -> new AdminAnswer(202, receipt(erasure), erasure.id().toString(),
                        erasure.done() ? "done" : "erasing"));
    }

    /** {@code GET /admin/patients/erasures/{id}}: the erasure, running or done, with what it removed. */
    Uni<AdminAnswer> receipt(AdminCall call) {
        UUID id;
        try {
            id = UUID.fromString(call.path("id"));
        } catch (IllegalArgumentException e) {
            return Uni.createFrom().failure(AdminProblem.badRequest("the erasure id is a UUID"));
        }
        return erasures.find(id)
                .map(erasure -> {
                    if (erasure == null) {
                        throw new AdminProblem(404, "not-found", "no such erasure", id.toString());
                    }
                    return AdminAnswer.ok(receipt(erasure), id.toString(), null);
                });
    }

    /** Exactly one of the three, each well formed; a phone keeps its digits only. */
    static Erasures.Asked asked(String phone, String lid, String pseudonym) {
        int named = (phone != null ? 1 : 0) + (lid != null ? 1 : 0) + (pseudonym != null ? 1 : 0);
        if (named != 1) {
            throw AdminProblem.badRequest("name the patient by exactly one of \"phone\", \"lid\" or \"patient\" (p_...)");
        }
        if (phone != null) {
            String digits = phone.replaceAll("[^0-9]", "");
            if (!PHONE.matcher(phone).matches() || digits.length() < 8 || digits.length() > 15) {
                throw AdminProblem.badRequest("phone must be a number of 8 to 15 digits, as WhatsApp has it (5511999990000)");
            }
            return new Erasures.Asked(digits, null, null);
        }
        if (lid != null) {
            if (!LID.matcher(lid).matches()) {
                throw AdminProblem.badRequest("lid must be the digits before @lid");
            }
            return new Erasures.Asked(null, lid, null);
        }
        if (!PSEUDONYM.matcher(pseudonym).matches()) {
            throw AdminProblem.badRequest("patient must be a pseudonym as turns carry it: p_ and 64 hex digits");
        }
        return new Erasures.Asked(null, null, pseudonym);
    }

    private static ObjectNode receipt(Erasure erasure) {
        ObjectNode json = JsonNodeFactory.instance.objectNode()
                .put("id", erasure.id().toString())
                .put("status", erasure.done() ? "done" : "erasing")
                .put("organization", erasure.organizationId().toString())
                .put("instance", erasure.instance())
                .put("subject", erasure.subject())
                .put("operator", erasure.operator())
                .put("requestedAt", erasure.requestedAt().toString())
                .put("completedAt", erasure.done() ? erasure.completedAt().toString() : null);
        erasure.subjects().forEach(json.putArray("subjects")::add);
        json.set("removed", erasure.removed().json());
        return json;
    }
}
