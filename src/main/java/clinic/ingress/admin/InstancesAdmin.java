package clinic.ingress.admin;

import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;

import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;

import clinic.ingress.delivery.DeliveryConfig;
import clinic.ingress.delivery.InstanceActivity;
import clinic.ingress.line.LineStates;
import io.smallrye.mutiny.Uni;

/** Clinics' WhatsApp lines as an operator watches them. */
@ApplicationScoped
class InstancesAdmin {

    private final InstanceActivity activity;
    private final DeliveryConfig webhook;
    private final LineStates lines;

    InstancesAdmin(InstanceActivity activity, DeliveryConfig webhook, LineStates lines) {
        this.activity = activity;
        this.webhook = webhook;
        this.lines = lines;
    }

    /**
     * {@code GET /admin/instances[?state=close]}: active instances' WhatsApp lines, in one state or all,
     * the longest in it first: {@code [{instance, state, reason, since, forSeconds}]}.
     */
    Uni<AdminAnswer> lines(AdminCall call) {
        String state = call.query("state");
        Instant now = Instant.now();
        return lines.list(state)
                .map(found -> {
                    ArrayNode json = JsonNodeFactory.instance.arrayNode();
                    found.forEach(line -> json.addObject().put("instance", line.instance()).put("state", line.state())
                            .put("reason", line.reason()).put("since", line.since().toString())
                            .put("forSeconds", Math.max(0, Duration.between(line.since(), now).toSeconds())));
                    return AdminAnswer.ok(json, state, null);
                });
    }

    /**
     * {@code GET /admin/instances/silent[?after=PT30M]}: active instances that sent messages before and
     * none for longer than {@code ingress.webhook.silence-alert-after} or {@code after}.
     */
    Uni<AdminAnswer> silent(AdminCall call) {
        String after = call.query("after");
        Duration threshold;
        try {
            threshold = after == null ? webhook.silenceAlertAfter() : Duration.parse(after);
        } catch (DateTimeParseException e) {
            return Uni.createFrom().failure(AdminProblem.badRequest("after must be an ISO-8601 duration, e.g. PT30M"));
        }
        return activity.flush()
                .onFailure().recoverWithNull()
                .chain(() -> activity.silent(threshold))
                .map(silent -> {
                    ArrayNode json = JsonNodeFactory.instance.arrayNode();
                    silent.forEach(instance -> json.addObject().put("instance", instance.instance())
                            .put("lastMessage", instance.lastMessage().toString())
                            .put("silentSeconds", instance.silentSeconds()));
                    return AdminAnswer.ok(json, after, null);
                });
    }
}
