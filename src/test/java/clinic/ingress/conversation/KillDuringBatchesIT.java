package clinic.ingress.conversation;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import clinic.ingress.support.Db;
import clinic.ingress.support.Evolution;
import clinic.ingress.support.Replica;
import clinic.ingress.support.StreamTurns;
import io.quarkus.test.junit.QuarkusIntegrationTest;

/**
 * A replica killed with SIGKILL while batches are in flight loses no acknowledged message: every
 * message it answered {@code accepted} is in PostgreSQL, and its turn reaches the stream afterwards
 * (the surviving replica's relay publishes what the dead one stored but never published).
 */
@QuarkusIntegrationTest
class KillDuringBatchesIT {

    private static final int SENDERS = 16;

    @Test
    void noAcknowledgedMessageIsLost() throws Exception {
        Db.TestClinic clinic = Db.clinic("kill");
        Map<String, String> acknowledged = new ConcurrentHashMap<>(); // WhatsApp id -> message id
        AtomicInteger unanswered = new AtomicInteger();
        AtomicBoolean killed = new AtomicBoolean();
        ExecutorService senders = Executors.newFixedThreadPool(SENDERS);
        try (Replica replica = Replica.start("ingress.store.linger=2ms")) {
            for (int s = 0; s < SENDERS; s++) {
                int sender = s;
                senders.submit(() -> {
                    for (int i = 0; !killed.get(); i++) {
                        Evolution event = Evolution.text(clinic.instance(), "55119" + (3_000_000 + sender * 1000 + i % 1000),
                                "kill " + i);
                        try {
                            HttpResponse<String> answer = replica.postWebhook(event).get(30, TimeUnit.SECONDS);
                            if (answer.statusCode() == 200 && answer.body().contains("\"accepted\"")) {
                                acknowledged.put(event.id(), messageId(answer.body()));
                            }
                        } catch (Exception e) {
                            unanswered.incrementAndGet();
                        }
                    }
                });
            }
            Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> acknowledged.size() >= 500);
            replica.kill();
            killed.set(true);
        } finally {
            senders.shutdown();
            assertThat(senders.awaitTermination(60, TimeUnit.SECONDS)).isTrue();
        }

        // Requests were in flight when it died (each sender always has one outstanding).
        assertThat(unanswered.get()).as("requests the killed replica never answered").isPositive();
        Set<String> stored = Db.rows("SELECT whatsapp_message_id FROM core.whatsapp_messages WHERE instance_name = ?",
                clinic.instance()).stream().map(row -> (String) row.get("whatsapp_message_id")).collect(Collectors.toSet());
        assertThat(stored).as("acknowledged messages found in PostgreSQL").containsAll(acknowledged.keySet());

        try (StreamTurns stream = new StreamTurns()) {
            Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).until(() -> stream
                    .ofClinic(clinic.clinicId()).stream().map(t -> t.get("turnId")).collect(Collectors.toSet())
                    .containsAll(acknowledged.values()));
        }
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> Db.outbox(clinic.clinicId()) == 0);
    }

    private static String messageId(String body) {
        int start = body.indexOf("\"messageId\":\"") + 13;
        return body.substring(start, body.indexOf('"', start));
    }
}
