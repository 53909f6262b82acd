package clinic.ingress.dispatch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Sealed turns against docs/consumer-contract.md, opened here as the contract tells a consumer to
 * (not with the service's own code): the sealed part opens, and a turn moved to another stream or
 * given another turn id, clinic, organization, instance, patient, message, time or type does not.
 */
@Tag("fast")
class TurnSealTest {

    private static final byte[] KEY = "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
    private static final String STREAM = "ingress:turns:{3}";
    /** The contract's list, in its order. */
    private static final List<String> BOUND = List.of("turnId", "clinic", "organization", "sessionId", "messageId",
            "whatsappMessageId", "instance", "patient", "messageTimestamp", "messageType", "media", "traceparent", "type",
            "subject");

    private final TurnSeal seal = new TurnSeal(KEY);

    @Test
    void aSealedTurnOpensAsTheContractSays() throws Exception {
        Map<String, String> sealed = seal.apply(STREAM, turn());

        assertThat(sealed).doesNotContainKeys("text", "memory").containsEntry("seal", "2")
                .containsEntry("keyId", TurnSeal.keyId(KEY));
        assertThat(open(STREAM, sealed)).isEqualTo("{\"text\":\"Dor de dente\",\"memory\":\"{\\\"state\\\":\\\"none\\\"}\"}");
    }

    @Test
    void lengthsAreUtf8BytesWhateverTheText() {
        for (String text : List.of("", "ascii", "Conceição", "日本語", "emoji \uD83D\uDE00 ok", "lone \uD800 surrogate",
                "\uDC00 low first", "end \uD83D")) {
            assertThat(TurnSeal.utf8Length(text)).as(text).isEqualTo(text.getBytes(StandardCharsets.UTF_8).length);
        }
    }

    @Test
    void turnsSealedOneAfterAnotherEachOpenWithTheirOwnFields() throws Exception {
        // The cipher is reused per thread: each turn must still get its own IV and bound fields.
        for (int i = 0; i < 50; i++) {
            Map<String, String> turn = turn();
            turn.put("patient", "paciente-ç-" + i);
            turn.put("text", "mensagem " + i + " ✓");
            Map<String, String> sealed = seal.apply(STREAM, turn);
            assertThat(open(STREAM, sealed)).contains("mensagem " + i + " ✓");
        }
    }

    @Test
    void boundFieldsOfAnyTextAndLengthOpen() throws Exception {
        // The associated data is encoded into a per-thread buffer: multi-byte and lone surrogates must
        // read as getBytes(UTF_8) reads them (the consumer's side), and a long entry must grow it.
        for (String instance : List.of("clínica-ç-日本", "emoji \uD83D\uDE00", "lone \uD800 surrogate", "x".repeat(5000),
                "短".repeat(2000), "short")) {
            Map<String, String> turn = turn();
            turn.put("instance", instance);
            assertThat(open(STREAM, seal.apply(STREAM, turn))).as(instance.substring(0, Math.min(20, instance.length())))
                    .contains("Dor de dente");
        }
    }

    @Test
    void aReRoutedTurnDoesNotOpen() {
        Map<String, String> sealed = seal.apply(STREAM, turn());
        for (String field : List.of("turnId", "clinic", "organization", "sessionId", "messageId", "whatsappMessageId",
                "instance", "patient", "messageTimestamp", "messageType", "media", "type", "subject")) {
            Map<String, String> rerouted = new LinkedHashMap<>(sealed);
            rerouted.put(field, sealed.getOrDefault(field, "") + "x");
            assertThatThrownBy(() -> open(STREAM, rerouted)).as(field).isInstanceOf(AEADBadTagException.class);
        }
        assertThatThrownBy(() -> open("ingress:turns:{4}", sealed)).isInstanceOf(AEADBadTagException.class);
    }

    @Test
    void anEraseEventIsSealedToo() throws Exception {
        Map<String, String> erase = new LinkedHashMap<>();
        erase.put("type", "erase");
        erase.put("turnId", "0193a5f2-0000-7e4b-9a2f-3c4d5e6f7a8b");
        erase.put("organization", "6d1c3f0e-8a2b-4c5d-9e7f-0a1b2c3d4e5f");
        erase.put("subject", "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08");
        Map<String, String> sealed = seal.apply(STREAM, erase);
        assertThat(open(STREAM, sealed)).isEqualTo("{\"text\":null,\"memory\":null}");
        Map<String, String> otherPatient = new LinkedHashMap<>(sealed);
        otherPatient.put("subject", "0" + sealed.get("subject").substring(1));
        assertThatThrownBy(() -> open(STREAM, otherPatient)).isInstanceOf(AEADBadTagException.class);
    }

    @Test
    void withoutAKeyTheTurnPassesAsItIs() {
        assertThat(new TurnSeal((byte[]) null).apply(STREAM, turn())).isEqualTo(turn());
    }

    /** A consumer's opening: AES-256-GCM, the associated data built from the contract's words. */
    private static String open(String stream, Map<String, String> entry) throws GeneralSecurityException {
        StringBuilder aad = new StringBuilder("clinic-ingress/turn-seal/v2");
        aad.append(stream.getBytes(StandardCharsets.UTF_8).length).append(':').append(stream);
        for (String name : BOUND) {
            String value = entry.getOrDefault(name, "");
            aad.append(value.getBytes(StandardCharsets.UTF_8).length).append(':').append(value);
        }
        byte[] sealed = Base64.getDecoder().decode(entry.get("sealed"));
        Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
        cipher.init(Cipher.DECRYPT_MODE, new SecretKeySpec(KEY, "AES"), new GCMParameterSpec(128, sealed, 0, 12));
        cipher.updateAAD(aad.toString().getBytes(StandardCharsets.UTF_8));
        return new String(cipher.doFinal(Arrays.copyOfRange(sealed, 12, sealed.length)), StandardCharsets.UTF_8);
    }

    private static Map<String, String> turn() {
        Map<String, String> fields = new LinkedHashMap<>();
        fields.put("turnId", "0193a5f2-7c1d-7e4b-9a2f-3c4d5e6f7a8b");
        fields.put("clinic", "7e2d4a1f-9b3c-4d6e-8f0a-1b2c3d4e5f60");
        fields.put("organization", "6d1c3f0e-8a2b-4c5d-9e7f-0a1b2c3d4e5f");
        fields.put("sessionId", "0a7c8e52-1f7e-4a3b-9c55-3d1b2e4f6a01");
        fields.put("messageId", "0193a5f2-7c1d-7e4b-9a2f-3c4d5e6f7a8b");
        fields.put("whatsappMessageId", "3EB0ABCDEF");
        fields.put("instance", "clínica-sorriso");
        fields.put("patient", "p_5f1c0e");
        fields.put("text", "Dor de dente");
        fields.put("messageTimestamp", "2026-12-07T03:00:00Z");
        fields.put("messageType", "conversation");
        fields.put("memory", "{\"state\":\"none\"}");
        return fields;
    }
}
