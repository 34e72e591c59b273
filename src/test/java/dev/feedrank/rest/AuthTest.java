package dev.feedrank.rest;

import dev.feedrank.pipeline.RunApi;
import dev.feedrank.testing.FeedrankTestServices;
import dev.feedrank.testing.TestTokens;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static dev.feedrank.testing.TestTokens.asOperator;
import static dev.feedrank.testing.TestTokens.asViewer;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Bearer-JWT authentication and the roles of the API with the default read policy (viewer). */
@QuarkusTest
@QuarkusTestResource(FeedrankTestServices.class)
class AuthTest {

    static int totalRuns() {
        return asViewer().get("/api/runs?size=1").then().statusCode(200).extract().path("total");
    }

    @Test
    void readingNeedsAValidTokenWithRoleViewerOrOperator() {
        given().get("/api/runs").then().statusCode(401).header("WWW-Authenticate", containsString("Bearer"));
        given().auth().oauth2(TestTokens.token("no-roles")).get("/api/runs").then().statusCode(403);
        given().auth().oauth2(TestTokens.token("someone", "auditor")).get("/api/runs").then().statusCode(403);
        asViewer().get("/api/runs").then().statusCode(200);
        asOperator().get("/api/runs").then().statusCode(200);
        asViewer().head("/api/runs").then().statusCode(200);
        given().head("/api/runs").then().statusCode(401);
    }

    @Test
    void tokensSignedByAnotherKeyExpiredOrFromAnotherIssuerAreRefused() {
        Map<String, String> bad = Map.of(
                "signed by another key", TestTokens.signedByAnotherKey("mallory", "operator", "viewer"),
                "expired", TestTokens.expired(Duration.ofMinutes(10), TestTokens.OPERATOR, "operator", "viewer"),
                "other issuer", TestTokens.otherIssuer(TestTokens.OPERATOR, "operator", "viewer"),
                "not a JWT", "not-a-jwt");
        bad.forEach((what, token) -> {
            int read = given().auth().oauth2(token).get("/api/runs").then().extract().statusCode();
            assertEquals(401, read, what + ": GET");
            int write = given().auth().oauth2(token).contentType(ContentType.JSON).body(Map.of("dataset", "synthetic"))
                    .post("/api/runs").then().extract().statusCode();
            assertEquals(401, write, what + ": POST");
        });
    }

    @Test
    void startingARunNeedsRoleOperator(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        // a dataset that fails at once: the run is accepted and ends in a second, without training
        Map<String, Object> body = Map.of("dataset", "csv:" + dir.resolve("nothing-here"), "overrides", RunApi.SMALL);
        int before = totalRuns();
        given().contentType(ContentType.JSON).body(body).post("/api/runs").then().statusCode(401);
        asViewer().contentType(ContentType.JSON).body(body).post("/api/runs").then().statusCode(403);
        given().auth().oauth2(TestTokens.token("no-roles")).contentType(ContentType.JSON).body(body)
                .post("/api/runs").then().statusCode(403);
        assertEquals(before, totalRuns(), "refused requests start no run");

        long runId = RunApi.start("csv:" + dir.resolve("nothing-here"), RunApi.SMALL); // asserts 202 as operator
        JsonPath run = RunApi.await(runId, Duration.ofMinutes(5));
        assertEquals("FAILED", run.getString("status"));
        assertTrue(run.getString("error").startsWith("prepare-data: "), run.getString("error"));
        assertEquals(before + 1, totalRuns());
    }

    @Test
    void everyOtherWriteUnderApiNeedsRoleOperatorToo() {
        // promote / rollback / archive are not written yet: the permission applies to whatever path comes
        for (String path : List.of("/api/models/v1/promote", "/api/aliases/production/rollback", "/api/models/v1/archive")) {
            given().post(path).then().statusCode(401);
            asViewer().post(path).then().statusCode(403);
        }
        asViewer().put("/api/aliases/production").then().statusCode(403);
        asViewer().delete("/api/models/v1").then().statusCode(403);
        asViewer().patch("/api/models/v1").then().statusCode(403);
        given().delete("/api/runs/1").then().statusCode(401);
    }

    @Test
    void healthMetricsAndOpenApiStayOpen() {
        given().get("/q/health/live").then().statusCode(200);
        given().get("/q/health/ready").then().statusCode(200);
        given().get("/q/metrics").then().statusCode(200);
        given().get("/q/openapi?format=json").then().statusCode(200).body(containsString("/api/runs"));
    }

    @Test
    void theCallerIsTheTokensSubjectElseItsPrincipalName() {
        given().auth().oauth2(TestTokens.token("alice", "viewer")).get("/api/test/caller")
                .then().statusCode(200).body(equalTo("alice"));
        asOperator().get("/api/test/caller").then().statusCode(200).body(equalTo(TestTokens.OPERATOR));
        given().auth().oauth2(TestTokens.withClaims(Map.of("upn", "bob@example.org", "groups", List.of("viewer"))))
                .get("/api/test/caller").then().statusCode(200).body(equalTo("bob@example.org"));
    }
}
