package clinic.ingress.support;

import io.restassured.RestAssured;
import io.restassured.specification.RequestSpecification;

/**
 * Requests to the management interface (health, metrics, OpenAPI, {@code /admin/*}), which is not
 * on the public port.
 * Port 9001 is {@code %test.quarkus.management.port} and {@code test-port} in application.properties.
 */
public final class Management {

    public static final int PORT = 9001;

    private Management() {
    }

    public static RequestSpecification given() {
        return RestAssured.given().port(PORT);
    }

    /** An admin request, with the test profile's shared admin token (audited as {@code ingress.admin.token}). */
    public static RequestSpecification admin() {
        return given().header("Authorization", "Bearer test-admin-token").contentType("application/json");
    }
}
