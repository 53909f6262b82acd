package clinic.ingress.evolution;

/**
 * What an Evolution webhook body turned out to be. Every variant knows the instance and body
 * {@code apikey} when the body had them, so authentication by apikey and quarantine work for all.
 */
public sealed interface EvolutionEvent {

    String instance();

    String apikey();

    /** A message to store. */
    record Message(InboundMessage message, String apikey) implements EvolutionEvent {
        @Override
        public String instance() {
            return message.instanceName();
        }
    }

    /**
     * A change of the instance's WhatsApp line ({@code connection.update}, {@code qrcode.updated},
     * {@code logout.instance}, {@code remove.instance}): no patient data in it.
     *
     * @param state {@code open}, {@code connecting}, {@code close}, {@code refused}, {@code qrcode} (waiting
     *        for a scan), {@code logout} or {@code removed}
     * @param reason Baileys' disconnect code ({@code statusReason}) or the QR limit's status code, or null
     * @param at when Evolution sent it (the envelope's {@code date_time}), to order late deliveries
     */
    record LineStatus(String instance, String event, String state, String reason, java.time.Instant at, String apikey)
            implements
                EvolutionEvent {
    }

    /** Well-formed, but nothing we store: answered 200 {@code ignored} with the reason. */
    record Ignored(String instance, String event, String reason, String apikey) implements EvolutionEvent {
    }

    /**
     * Not a usable Evolution event: answered 400 (Evolution will not retry it).
     *
     * @param reason quarantine reason: {@code malformed-json} or {@code invalid-event}
     * @param detail what is wrong, for the problem document
     * @param keptJson the body as it may be kept (no credential, no media bytes), or null when it is
     *        not JSON
     */
    record Invalid(String instance, String event, String whatsappId, String reason, String detail, String apikey,
            String keptJson) implements EvolutionEvent {

        static Invalid of(String instance, String event, String whatsappId, String detail, String apikey, String keptJson) {
            return new Invalid(instance, event, whatsappId, "invalid-event", detail, apikey, keptJson);
        }

        static Invalid malformed(String pathEvent) {
            return new Invalid(null, EventName.canonical(pathEvent), null, "malformed-json", "the body is not valid JSON",
                    null, null);
        }
    }
}
