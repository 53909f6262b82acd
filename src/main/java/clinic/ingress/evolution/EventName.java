package clinic.ingress.evolution;

import java.util.Locale;

/**
 * Evolution spells one event three ways: {@code messages.upsert} in the body, {@code MESSAGES_UPSERT}
 * in its configuration and some SDKs, {@code messages-upsert} as the by-events URL suffix. All three
 * compare equal once canonical (lower case, dots).
 */
public final class EventName {

    public static final String MESSAGES_UPSERT = "messages.upsert";
    public static final String SEND_MESSAGE = "send.message";

    private EventName() {
    }

    public static String canonical(String raw) {
        if (raw == null || raw.isBlank()) {
            return null;
        }
        return raw.trim().toLowerCase(Locale.ROOT).replace('_', '.').replace('-', '.');
    }

    public static final String CONNECTION_UPDATE = "connection.update";
    public static final String QRCODE_UPDATED = "qrcode.updated";
    public static final String LOGOUT_INSTANCE = "logout.instance";
    public static final String REMOVE_INSTANCE = "remove.instance";

    /** Events that change a line's status. */
    public static boolean changesLine(String canonical) {
        return CONNECTION_UPDATE.equals(canonical) || QRCODE_UPDATED.equals(canonical)
                || LOGOUT_INSTANCE.equals(canonical) || REMOVE_INSTANCE.equals(canonical);
    }

    /** Events that carry a message we store. */
    public static boolean carriesMessage(String canonical) {
        return MESSAGES_UPSERT.equals(canonical) || SEND_MESSAGE.equals(canonical);
    }
}
