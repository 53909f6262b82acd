package clinic.ingress.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import clinic.ingress.support.Db;
import clinic.ingress.support.Management;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;

/**
 * Operators are named: each has a token of its own (stored as its SHA-256), a revoked token stops
 * at once, every admin action is audited with who, what and how it ended (no patient data), and the
 * admin surface is on the management interface only.
 */
@QuarkusTest
class AdminOperatorsTest {

    @Test
    void eachOperatorIsNamedInTheAuditAndCanBeRevoked() throws Exception {
        String name = "ana-" + UUID.randomUUID().toString().substring(0, 8);
        String token = "token-" + UUID.randomUUID();
        Db.update("INSERT INTO core.admin_operators (name, token_sha256) VALUES (?, ?)", name, sha256(token));
        Db.TestClinic clinic = Db.clinic("audited");

        asOperator(token).get("/admin/cache/stats").then().statusCode(200);
        asOperator(token).get("/admin/clinics/" + clinic.instance()).then().statusCode(200)
                .body("clinicId", equalTo(clinic.clinicId().toString()));
        asOperator(token).body("{\"organization\":\"" + clinic.organizationId() + "\",\"patient\":\"5511987650000\"}")
                .post("/admin/cache/invalidate").then().statusCode(200);
        asOperator(token).get("/admin/clinics/nobody-" + name).then().statusCode(404)
                .contentType("application/problem+json").body("type", equalTo("urn:clinic-ingress:problem:not-found"))
                .body("detail", equalTo("the instance is not in the clinic directory"));

        List<Map<String, Object>> audit = Management.admin().queryParam("operator", name).get("/admin/audit")
                .then().statusCode(200).extract().jsonPath().getList("");
        assertThat(audit).extracting(row -> row.get("action") + " " + row.get("status")).containsExactly(
                "clinic.read 404", "cache.invalidate 200", "clinic.read 200", "cache.stats 200");
        assertThat(audit).allSatisfy(row -> assertThat(row.get("operator")).isEqualTo(name));
        // The patient is named by pseudonym, never by phone.
        assertThat(audit.get(1).get("target").toString()).startsWith(clinic.organizationId() + "/p_")
                .doesNotContain("5511987650000");
        assertThat(Db.count("SELECT count(*) FROM core.admin_audit WHERE target LIKE '%5511987650000%'")).isZero();

        Db.update("UPDATE core.admin_operators SET revoked_at = now() WHERE name = ?", name);
        asOperator(token).get("/admin/cache/stats").then().statusCode(401).contentType("application/problem+json");
    }

    @Test
    void noTokenNoAdminAndNotOnThePublicPort() {
        Management.given().get("/admin/cache/stats").then().statusCode(401);
        asOperator("not-anyones-token").get("/admin/cache/stats").then().statusCode(401);
        RestAssured.given().header("Authorization", "Bearer test-admin-token").get("/admin/cache/stats").then()
                .statusCode(404).contentType("application/problem+json").body("detail", containsString("management interface"));
        Management.admin().get("/admin/nothing-here").then().statusCode(404).contentType("application/problem+json");
    }

    private static io.restassured.specification.RequestSpecification asOperator(String token) {
        return Management.given().header("Authorization", "Bearer " + token).contentType("application/json");
    }

    private static String sha256(String text) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
    }
}
