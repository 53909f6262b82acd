package clinic.ingress.bench;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

import clinic.ingress.support.Evolution;
import clinic.ingress.support.EvolutionSender;

/**
 * A reconnect burst for scripts/bench.sh: {@code count} messages of one instance POSTed at once, as
 * Evolution emits a phone's backlog, delivered by the given Evolution policy.
 *
 * <pre>
 * EvolutionBurst host port token instance count NO_RETRY|EVOLUTION_2_3 [patients]
 * </pre>
 *
 * Prints one JSON line: lost, accepted at the first try, retried, when the last was accepted, and
 * every attempt's status counted.
 */
public final class EvolutionBurst {

    private EvolutionBurst() {
    }

    public static void main(String[] args) {
        URI url = URI.create("http://" + args[0] + ":" + args[1] + "/webhooks/evolution");
        String token = args[2];
        String instance = args[3];
        int count = Integer.parseInt(args[4]);
        EvolutionSender.Policy policy = EvolutionSender.Policy.valueOf(args[5]);
        int patients = args.length > 6 ? Integer.parseInt(args[6]) : 150;
        String run = Long.toString(System.currentTimeMillis(), 36);
        List<String> bodies = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            bodies.add(Evolution.text(instance, "55119600" + String.format("%05d", i % patients), "burst " + i)
                    .id("burst-" + run + "-" + i).json());
        }
        EvolutionSender sender = new EvolutionSender(url, Evolution.TOKEN_HEADER, token, policy, Duration.ofSeconds(30), 1);
        EvolutionSender.Result result = sender.burst(bodies);
        String statuses = result.statusCounts().entrySet().stream()
                .map(e -> "\"" + e.getKey() + "\": " + e.getValue()).collect(Collectors.joining(", "));
        System.out.printf("{\"policy\": \"%s\", \"messages\": %d, \"lost\": %d, \"first_try\": %d, \"retried\": %d, "
                + "\"last_accepted_ms\": %d, \"statuses\": {%s}}%n", policy, count, result.lost(), result.acceptedFirstTime(),
                result.retried(), result.lastAcceptedAfter().toMillis(), statuses);
        System.exit(0);
    }
}
