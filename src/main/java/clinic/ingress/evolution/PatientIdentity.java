package clinic.ingress.evolution;

/**
 * Who the patient is. Evolution versions disagree on where the phone number lives
 * ({@code remoteJid}, {@code remoteJidAlt}, {@code senderPn}) and sometimes send only a LID
 * (WhatsApp's hidden-number id). The phone wins when any field carries one; otherwise the patient
 * is keyed by the LID.
 *
 * @param phone digits of the phone JID, or null
 * @param lid digits of the {@code @lid} JID, or null
 */
public record PatientIdentity(String phone, String lid) {

    private static final String PHONE_SUFFIX = "@s.whatsapp.net";
    private static final String LID_SUFFIX = "@lid";

    /** The stable key of the patient within an instance: the phone, else {@code lid:<lid>}. */
    public String key() {
        return phone != null ? phone : "lid:" + lid;
    }

    /** Picks the phone and LID out of candidate JIDs, in order; null when neither is present. */
    static PatientIdentity from(String... jids) {
        String phone = null;
        String lid = null;
        for (String jid : jids) {
            if (jid == null) {
                continue;
            }
            if (phone == null && jid.endsWith(PHONE_SUFFIX)) {
                phone = user(jid, PHONE_SUFFIX);
            } else if (lid == null && jid.endsWith(LID_SUFFIX)) {
                lid = user(jid, LID_SUFFIX);
            }
        }
        return phone == null && lid == null ? null : new PatientIdentity(phone, lid);
    }

    /** The user part of a JID without the {@code :device} suffix; null unless it is all digits. */
    private static String user(String jid, String suffix) {
        String user = jid.substring(0, jid.length() - suffix.length());
        int device = user.indexOf(':');
        if (device >= 0) {
            user = user.substring(0, device);
        }
        if (user.isEmpty() || user.length() > 32) {
            return null;
        }
        for (int i = 0; i < user.length(); i++) {
            if (user.charAt(i) < '0' || user.charAt(i) > '9') {
                return null;
            }
        }
        return user;
    }
}
