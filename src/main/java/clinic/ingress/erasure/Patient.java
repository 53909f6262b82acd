package clinic.ingress.erasure;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Who an erasure is of, while it runs: the patient's identity keys within the organization (phone
 * digits, {@code lid:<digits>}: the one asked for and those their stored messages link to it) and
 * their pseudonyms ({@code p_<hex>}: one per key, and the one asked for when the operator knew only
 * that). Kept in {@code core.patient_erasures.patient_key} as one space-separated line, and cleared
 * when the erasure is done. Holds phone numbers: {@link #toString()} redacts them.
 */
record Patient(List<String> keys, List<String> pseudonyms) {

    static final Patient NONE = new Patient(List.of(), List.of());

    /** What a key may be: digits, or {@code lid:} and digits (PatientIdentity keeps no other). */
    private static final Pattern KEY = Pattern.compile("(lid:)?[0-9]{1,32}");
    private static final Pattern PSEUDONYM = Pattern.compile("p_[0-9a-f]{64}");

    /** Anything else is dropped: a key goes into a regular expression, and each token into one line. */
    Patient {
        keys = keys.stream().filter(key -> key != null && KEY.matcher(key).matches()).distinct().toList();
        pseudonyms = pseudonyms.stream().filter(p -> p != null && PSEUDONYM.matcher(p).matches()).distinct().toList();
    }

    static boolean validKey(String key) {
        return KEY.matcher(key).matches();
    }

    static boolean validPseudonym(String pseudonym) {
        return PSEUDONYM.matcher(pseudonym).matches();
    }

    /** The phone numbers among the keys. */
    List<String> phones() {
        return keys.stream().filter(key -> !key.startsWith("lid:")).toList();
    }

    /** The LIDs among the keys, without their {@code lid:} prefix. */
    List<String> lids() {
        return keys.stream().filter(key -> key.startsWith("lid:")).map(key -> key.substring(4)).toList();
    }

    /** Every number a JID of theirs would carry: phones and LIDs. */
    List<String> numbers() {
        List<String> numbers = new ArrayList<>(phones());
        numbers.addAll(lids());
        return numbers;
    }

    String format() {
        List<String> tokens = new ArrayList<>(keys);
        tokens.addAll(pseudonyms);
        return String.join(" ", tokens);
    }

    static Patient parse(String line) {
        if (line == null || line.isBlank()) {
            return NONE;
        }
        List<String> keys = new ArrayList<>();
        List<String> pseudonyms = new ArrayList<>();
        for (String token : line.trim().split(" +")) {
            (token.startsWith("p_") ? pseudonyms : keys).add(token);
        }
        return new Patient(keys, pseudonyms);
    }

    @Override
    public String toString() {
        return "Patient[" + keys.size() + " keys, " + pseudonyms.size() + " pseudonyms, <redacted>]";
    }
}
