package clinic.ingress.clinic;

import java.util.UUID;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The Redis form of a directory entry, the seed's {@code {clinic_id, organization_id, name,
 * whatsapp_number}} plus the instance token hash. Tree-based: no reflection.
 */
final class ClinicJson {

    private ClinicJson() {
    }

    static JsonNode toJson(Clinic clinic) {
        ObjectNode node = JsonNodeFactory.instance.objectNode();
        node.put("clinic_id", clinic.clinicId().toString());
        node.put("organization_id", clinic.organizationId().toString());
        node.put("name", clinic.name());
        node.put("whatsapp_number", clinic.whatsappNumber());
        node.put("api_key_sha256", clinic.apiKeySha256());
        return node;
    }

    /** The clinic, or null when the JSON is not a directory entry (treated as corrupt). */
    static Clinic fromJson(String instanceName, JsonNode node) {
        try {
            return new Clinic(
                    instanceName,
                    UUID.fromString(node.get("clinic_id").textValue()),
                    UUID.fromString(node.get("organization_id").textValue()),
                    node.get("name").textValue(),
                    textOrNull(node.get("whatsapp_number")),
                    textOrNull(node.get("api_key_sha256")));
        } catch (RuntimeException e) {
            return null;
        }
    }

    private static String textOrNull(JsonNode node) {
        return node == null || node.isNull() ? null : node.textValue();
    }
}
