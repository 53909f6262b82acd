package clinic.ingress.webhook;

import static io.restassured.RestAssured.given;

import java.time.Instant;

import org.jose4j.jws.AlgorithmIdentifiers;
import org.jose4j.jws.JsonWebSignature;
import org.jose4j.jwt.JwtClaims;
import org.jose4j.keys.HmacKey;

import clinic.ingress.support.Evolution;
import io.restassured.http.ContentType;
import io.restassured.response.ValidatableResponse;

/**
 * Posting webhooks the way Evolution does.
 */
final class Webhooks {

    static final String PATH = "/webhooks/evolution";

    private Webhooks() {
    }

    static ValidatableResponse post(Evolution event) {
        return post(event.json());
    }

    static ValidatableResponse post(String body) {
        return given()
                .header(Evolution.TOKEN_HEADER, Evolution.TOKEN)
                .contentType(ContentType.JSON)
                .body(body)
                .post(PATH)
                .then();
    }

    /** An Evolution 2.3+ {@code jwt_key} Bearer token: HS256, {@code exp} = iat + 600 s. */
    static String jwt(String secret, Instant issuedAt) {
        return jwt(secret, issuedAt, 600, true);
    }

    /** A Bearer token with the given lifetime, with or without {@code iat}. */
    static String jwt(String secret, Instant issuedAt, long lifetimeSeconds, boolean withIssuedAt) {
        try {
            JwtClaims claims = new JwtClaims();
            if (withIssuedAt) {
                claims.setIssuedAt(org.jose4j.jwt.NumericDate.fromSeconds(issuedAt.getEpochSecond()));
            }
            claims.setExpirationTime(org.jose4j.jwt.NumericDate.fromSeconds(issuedAt.getEpochSecond() + lifetimeSeconds));
            claims.setClaim("app", "evolution");
            claims.setClaim("action", "webhook");
            JsonWebSignature jws = new JsonWebSignature();
            jws.setPayload(claims.toJson());
            jws.setAlgorithmHeaderValue(AlgorithmIdentifiers.HMAC_SHA256);
            jws.setKey(new HmacKey(secret.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
            jws.setDoKeyValidation(false);
            return jws.getCompactSerialization();
        } catch (org.jose4j.lang.JoseException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Posts with an instance's own secret in the token header. */
    static ValidatableResponse postWithToken(String token, Evolution event) {
        return given()
                .header(Evolution.TOKEN_HEADER, token)
                .contentType(ContentType.JSON)
                .body(event.json())
                .post(PATH)
                .then();
    }
}
