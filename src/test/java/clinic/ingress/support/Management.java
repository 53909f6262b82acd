package clinic.ingress.support;

import io.restassured.RestAssured;
import io.restassured.specification.RequestSpecification;

/**
 * Requests to the management interface (health, metrics, OpenAPI), which is not on the public port.
 * Port 9001 is {@code %test.quarkus.management.port} and {@code test-port} in application.properties.
 */
public final class Management {

    public static final int PORT = 9001;

    private Management() {
    }

    public static RequestSpecification given() {
        return RestAssured.given().port(PORT);
    }
}
