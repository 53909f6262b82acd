package clinic.ingress.conversation;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import clinic.ingress.background.Background;
import clinic.ingress.clinic.Clinic;
import clinic.ingress.evolution.InboundMessage;
import clinic.ingress.evolution.PatientIdentity;
import clinic.ingress.support.Db;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.quarkus.runtime.configuration.DurationConverter;
import io.quarkus.runtime.configuration.MemorySize;
import io.quarkus.runtime.configuration.MemorySizeConverter;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.config.SmallRyeConfigBuilder;
import io.smallrye.mutiny.Uni;

/**
 * Group commit gives exactly the answers and rows of sequential delivery: the same batch of messages
 * is written once as one batch for one clinic, and once message by message for another, and both
 * clinics end with the same rows.
 */
@QuarkusTest
class GroupCommitTest {

    private static final OffsetDateTime T0 = OffsetDateTime.of(2026, 11, 2, 9, 0, 0, 0, ZoneOffset.UTC);

    @Inject
    MessageBatchWriter writer;

    @Inject
    Background background;

    @Test
    void aBatchAnswersAndStoresLikeSequentialDelivery() {
        Db.TestClinic batched = Db.clinic("batch");
        Db.TestClinic sequential = Db.clinic("sequential");
        // Stored before: the batch re-sends it.
        for (Db.TestClinic clinic : List.of(batched, sequential)) {
            assertThat(statuses(write(List.of(message(clinic, "OLD-1", "5511970000001", false, 0))))).containsExactly("STORED");
        }

        Function<Db.TestClinic, List<NewMessage>> mix = clinic -> List.of(
                message(clinic, "NEW-1", "5511970000001", false, 10),
                message(clinic, "OLD-1", "5511970000001", false, 0), // already stored
                message(clinic, "NEW-2", "5511970000001", false, 30), // same conversation, later
                message(clinic, "NEW-1", "5511970000001", false, 10), // twice in the batch
                message(clinic, "NEW-3", "5511970000002", false, 20), // a new conversation...
                message(clinic, "NEW-4", "5511970000002", true, 5), // ...and the clinic's answer, older
                message(clinic, "NEW-3", "5511970000002", false, 20)); // twice again

        List<StoredMessage> together = write(mix.apply(batched));
        List<StoredMessage> oneByOne = new ArrayList<>();
        for (NewMessage message : mix.apply(sequential)) {
            oneByOne.addAll(write(List.of(message)));
        }

        assertThat(statuses(together))
                .containsExactly("STORED", "DUPLICATE", "STORED", "DUPLICATE", "STORED", "STORED", "DUPLICATE")
                .isEqualTo(statuses(oneByOne));
        // One session per conversation, shared by its messages; turns only for stored inbound messages.
        assertThat(together.get(0).sessionId()).isNotNull().isEqualTo(together.get(2).sessionId())
                .isNotEqualTo(together.get(4).sessionId());
        assertThat(together.get(4).sessionId()).isEqualTo(together.get(5).sessionId());
        assertThat(together.get(0).turn().text()).isEqualTo("text NEW-1");
        assertThat(together.get(5).turn()).isNull();
        assertThat(rows(batched)).isEqualTo(rows(sequential));
    }

    @Test
    void aRowPostgresRefusesIsRejectedAloneAndTheOthersAreStored() {
        Db.TestClinic clinic = Db.clinic("batch-bad");
        NewMessage farFuture = new NewMessage(UUID.randomUUID(), clinic(clinic), inbound(clinic, "BAD-1", "5511970000003",
                false, OffsetDateTime.of(300_000, 1, 1, 0, 0, 0, 0, ZoneOffset.UTC)), null);

        List<StoredMessage> results = write(List.of(
                message(clinic, "GOOD-1", "5511970000003", false, 0),
                farFuture,
                message(clinic, "GOOD-2", "5511970000004", false, 1)));

        assertThat(statuses(results)).containsExactly("STORED", "REJECTED", "STORED");
        assertThat(results.get(1).sqlState()).startsWith("22");
        assertThat(Db.messages(clinic.instance())).isEqualTo(2);
        assertThat(Db.message(clinic.instance(), "BAD-1")).isNull();
    }

    @Test
    void anIdleLingerGathersMessagesThatFindNoBatchRunning() {
        Db.TestClinic clinic = Db.clinic("idle-linger");
        // Without it, the first of five messages stored at once is written alone, at once.
        assertThat(batchesFor(clinic, "AT-ONCE", Duration.ZERO)).isGreaterThan(1);
        // With it, the first waits for the others: one statement, one commit.
        assertThat(batchesFor(clinic, "GATHERED", Duration.ofSeconds(2))).isEqualTo(1);
        assertThat(Db.messages(clinic.instance())).isEqualTo(10);
    }

    /** Stores five messages at once through a MessageStore with this idle linger; the batches it wrote. */
    private long batchesFor(Db.TestClinic clinic, String prefix, Duration idleLinger) {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        StoreConfig config = new SmallRyeConfigBuilder()
                .withConverter(MemorySize.class, 100, new MemorySizeConverter())
                .withConverter(Duration.class, 100, new DurationConverter())
                .withMapping(StoreConfig.class)
                .withDefaultValue("ingress.store.idle-linger", idleLinger.toMillis() + "ms")
                .build()
                .getConfigMapping(StoreConfig.class);
        MessageStore store = new MessageStore(writer, config, background, registry);
        List<Uni<StoredMessage>> stores = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            InboundMessage message = inbound(clinic, prefix + "-" + i, "551197000010" + i, false, T0.plusMinutes(i));
            stores.add(store.store(clinic(clinic), message, null).memoize().indefinitely());
        }
        stores.forEach(stored -> stored.subscribe().with(ignored -> {
        }, failure -> {
        }));
        List<String> statuses = stores.stream().map(stored -> stored.await().atMost(Duration.ofSeconds(10)).status().name())
                .toList();
        assertThat(statuses).containsOnly("STORED");
        DistributionSummary sizes = registry.get("ingress.store.batch.size").summary();
        assertThat(sizes.totalAmount()).isEqualTo(5);
        return sizes.count();
    }

    /** Everything the store writes for a clinic, with the clinic's own names and ids taken out. */
    private static Map<String, Object> rows(Db.TestClinic clinic) {
        return Map.of(
                "messages", Db.rows("SELECT whatsapp_message_id, patient_key, from_me, direction, body, message_timestamp "
                        + "FROM core.whatsapp_messages WHERE instance_name = ? ORDER BY whatsapp_message_id",
                        clinic.instance()),
                "conversations", Db.rows("SELECT patient_key, last_message_at, session_id IS NOT NULL AS has_session, "
                        + "EXISTS (SELECT 1 FROM healthcare.conversation_sessions s WHERE s.id = c.session_id) AS session_row "
                        + "FROM core.whatsapp_conversations c WHERE instance_name = ? ORDER BY patient_key", clinic.instance()),
                "logs",
                Db.rows("SELECT m.whatsapp_message_id, l.role, l.created_at, l.session_id = c.session_id AS same_session "
                        + "FROM healthcare.conversation_logs l JOIN core.whatsapp_messages m ON m.id = l.message_id "
                        + "JOIN core.whatsapp_conversations c ON c.instance_name = m.instance_name AND c.patient_key = m.patient_key "
                        + "WHERE m.instance_name = ? ORDER BY m.whatsapp_message_id", clinic.instance()),
                "outbox", Db.rows("SELECT m.whatsapp_message_id FROM core.turn_outbox o JOIN core.whatsapp_messages m "
                        + "ON m.id = o.message_id WHERE m.instance_name = ? ORDER BY 1", clinic.instance()));
    }

    private List<StoredMessage> write(List<NewMessage> batch) {
        return writer.write(batch).await().atMost(Duration.ofSeconds(10));
    }

    private static List<String> statuses(List<StoredMessage> results) {
        return results.stream().map(r -> r.status().name()).toList();
    }

    private static NewMessage message(Db.TestClinic clinic, String whatsappId, String phone, boolean fromMe, int minute) {
        return new NewMessage(UUID.randomUUID(), clinic(clinic),
                inbound(clinic, whatsappId, phone, fromMe, T0.plusMinutes(minute)),
                null);
    }

    private static InboundMessage inbound(Db.TestClinic clinic, String whatsappId, String phone, boolean fromMe,
            OffsetDateTime timestamp) {
        return new InboundMessage(clinic.instance(), "messages.upsert", whatsappId, phone + "@s.whatsapp.net",
                new PatientIdentity(phone, null), fromMe, "conversation", "text " + whatsappId, timestamp, null,
                "{\"event\":\"messages.upsert\"}");
    }

    private static Clinic clinic(Db.TestClinic clinic) {
        return new Clinic(clinic.instance(), clinic.clinicId(), clinic.organizationId(), clinic.name(), null, null);
    }
}
