package clinic.ingress.support;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Random;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;

/**
 * Evolution-like webhook bodies for fuzzing: the real payloads in src/test/resources/evolution, as
 * they are and mutated (fields replaced with values of the wrong type, odd Unicode, huge numbers,
 * deep nesting, fields removed, ids changed, bytes truncated or corrupted).
 */
public final class EvolutionFuzz {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    public static final List<String> CORPUS = List.of(
            "v2-text-phone", "v2-lid-with-alt", "v2-lid-only", "v1-extended-text-owner", "v2-image-caption",
            "v2-voice-speech-to-text", "v2-reaction", "v2-group-image", "status-broadcast", "send-message-from-me",
            "connection-update", "messages-update-receipt");
    private static final String[] ODD = {
            "\u0000", "\uD800", "\uDFFF", "\uFEFF", "\u202E", "\u200B", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢", "👩🏽‍⚕️", "ção", "\\u0000", "\"",
            "\\", "\n\r\t",
            "@s.whatsapp.net", "@lid", "@g.us", "status@broadcast", ":12@s.whatsapp.net", "", " ", "null" };

    private EvolutionFuzz() {
    }

    /** A corpus payload for {@code instance}. */
    public static String payload(String name, String instance) {
        try (InputStream in = EvolutionFuzz.class.getResourceAsStream("/evolution/" + name + ".json")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).replace("{{INSTANCE}}", instance).trim();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Bodies for {@code instance}: about one in five unchanged (with a fresh message id), the rest mutated. */
    public static Arbitrary<byte[]> bodies(String instance) {
        return Arbitraries.randoms().map(random -> body(random, instance));
    }

    static byte[] body(Random random, String instance) {
        String base = payload(CORPUS.get(random.nextInt(CORPUS.size())), instance);
        ObjectNode root;
        try {
            root = (ObjectNode) JSON.readTree(base);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (root.path("data").path("key").isObject()) {
            ((ObjectNode) root.path("data").path("key")).put("id", "FUZZ" + Long.toHexString(random.nextLong()));
        }
        int mutations = random.nextInt(5) == 0 ? 0 : 1 + random.nextInt(4);
        for (int i = 0; i < mutations; i++) {
            mutate(root, random);
        }
        byte[] bytes = root.toString().getBytes(StandardCharsets.UTF_8);
        int raw = random.nextInt(20);
        if (raw == 0) {
            return Arrays.copyOf(bytes, random.nextInt(bytes.length + 1));
        }
        if (raw == 1) {
            bytes[random.nextInt(bytes.length)] = (byte) random.nextInt(256);
        }
        return bytes;
    }

    private static void mutate(ObjectNode root, Random random) {
        List<ObjectNode> objects = new ArrayList<>();
        collect(root, objects);
        ObjectNode target = objects.get(random.nextInt(objects.size()));
        List<String> names = new ArrayList<>();
        for (Iterator<String> it = target.fieldNames(); it.hasNext();) {
            names.add(it.next());
        }
        if (names.isEmpty()) {
            target.set("x", value(random, 0));
            return;
        }
        String name = names.get(random.nextInt(names.size()));
        switch (random.nextInt(4)) {
            case 0 -> target.remove(name);
            case 1 -> target.set(odd(random), value(random, 0));
            default -> target.set(name, value(random, 0));
        }
    }

    private static void collect(JsonNode node, List<ObjectNode> into) {
        if (node instanceof ObjectNode object) {
            into.add(object);
        }
        node.forEach(child -> collect(child, into));
    }

    private static JsonNode value(Random random, int depth) {
        return switch (random.nextInt(depth > 3 ? 7 : 10)) {
            case 0 -> NODES.nullNode();
            case 1 -> NODES.booleanNode(random.nextBoolean());
            case 2 -> NODES.numberNode(random.nextLong());
            case 3 -> NODES.numberNode(new BigInteger(1 + random.nextInt(60) * 4, random));
            case 4 -> NODES.numberNode(random.nextDouble() * Math.pow(10, random.nextInt(600) - 300));
            case 5, 6 -> NODES.textNode(odd(random));
            case 7 -> deep(random);
            case 8 -> {
                ArrayNode array = NODES.arrayNode();
                for (int i = random.nextInt(4); i > 0; i--) {
                    array.add(value(random, depth + 1));
                }
                yield array;
            }
            default -> {
                ObjectNode object = NODES.objectNode();
                for (int i = random.nextInt(4); i > 0; i--) {
                    object.set(odd(random), value(random, depth + 1));
                }
                yield object;
            }
        };
    }

    /** Nesting from a few levels to past the parser's limit (64). */
    private static JsonNode deep(Random random) {
        JsonNode node = NODES.textNode("bottom");
        for (int i = random.nextInt(90); i > 0; i--) {
            node = random.nextBoolean() ? NODES.objectNode().set("n", node) : NODES.arrayNode().add(node);
        }
        return node;
    }

    private static String odd(Random random) {
        StringBuilder s = new StringBuilder();
        for (int i = 1 + random.nextInt(4); i > 0; i--) {
            s.append(random.nextInt(3) == 0 ? (char) random.nextInt(0x10000) : ODD[random.nextInt(ODD.length)]);
        }
        if (random.nextInt(50) == 0) {
            s.append("x".repeat(random.nextInt(5000)));
        }
        return s.toString();
    }
}
