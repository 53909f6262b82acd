package clinic.ingress.support;

import static io.restassured.RestAssured.given;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;

import org.jose4j.jws.AlgorithmIdentifiers;
import org.jose4j.jws.JsonWebSignature;
import org.jose4j.jwt.JwtClaims;
import org.jose4j.jwt.NumericDate;
import org.jose4j.keys.HmacKey;
import org.jose4j.lang.JoseException;

import io.restassured.http.ContentType;
import io.restassured.response.ValidatableResponse;

/**
 * Posting webhooks the way Evolution does: the one place tests send them from.
 */
public final class Webhooks {

    public static final String PATH = "/webhooks/evolution";

    private Webhooks() {
    }

    public static ValidatableResponse post(Evolution event) {
        return post(event.json());
    }

    public static ValidatableResponse post(String body) {
        return given()
                .header(Evolution.TOKEN_HEADER, Evolution.TOKEN)
                .contentType(ContentType.JSON)
                .body(body)
                .post(PATH)
                .then();
    }

    /** Posts with the test token, expects 200, and returns the answer's JSON fields. */
    public static Map<String, Object> answer(Evolution event) {
        return post(event).statusCode(200).extract().jsonPath().getMap("");
    }

    /** An Evolution 2.3+ {@code jwt_key} Bearer token: HS256, {@code exp} = iat + 600 s. */
    public static String jwt(String secret, Instant issuedAt) {
        return jwt(secret, issuedAt, 600, true);
    }

    /** A Bearer token with the given lifetime, with or without {@code iat}. */
    public static String jwt(String secret, Instant issuedAt, long lifetimeSeconds, boolean withIssuedAt) {
        try {
            JwtClaims claims = new JwtClaims();
            if (withIssuedAt) {
                claims.setIssuedAt(NumericDate.fromSeconds(issuedAt.getEpochSecond()));
            }
            claims.setExpirationTime(NumericDate.fromSeconds(issuedAt.getEpochSecond() + lifetimeSeconds));
            claims.setClaim("app", "evolution");
            claims.setClaim("action", "webhook");
            JsonWebSignature jws = new JsonWebSignature();
            jws.setPayload(claims.toJson());
            jws.setAlgorithmHeaderValue(AlgorithmIdentifiers.HMAC_SHA256);
            jws.setKey(new HmacKey(secret.getBytes(StandardCharsets.UTF_8)));
            jws.setDoKeyValidation(false);
            return jws.getCompactSerialization();
        } catch (JoseException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Posts with an instance's own secret in the token header. */
    public static ValidatableResponse postWithToken(String token, Evolution event) {
        return given()
                .header(Evolution.TOKEN_HEADER, token)
                .contentType(ContentType.JSON)
                .body(event.json())
                .post(PATH)
                .then();
    }
}
