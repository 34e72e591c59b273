package dev.feedrank.ui;

import dev.feedrank.testing.FeedrankTestServices;
import dev.feedrank.testing.TestTokens;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import org.junit.jupiter.api.Test;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.allOf;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The console's sign-in without a browser: the cookie, redirects to the sign-in page, roles, CSRF, sign-out; and the
 * bearer header still works for /api beside the cookie (ConsoleBrowserTest drives the pages in Chromium).
 */
@QuarkusTest
@QuarkusTestResource(FeedrankTestServices.class)
class ConsoleAuthTest {

    static String signIn(String token) {
        Response r = given().redirects().follow(false).formParam("token", token).post("/ui/login");
        assertEquals(303, r.statusCode(), r.asString());
        String cookie = r.getHeader("Set-Cookie");
        assertTrue(cookie.startsWith(UiSession.COOKIE + "="), cookie);
        assertTrue(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict") && cookie.contains("Path=/ui"), cookie);
        assertTrue(!cookie.contains("Secure"), "plain http: no Secure flag " + cookie);
        return r.getCookie(UiSession.COOKIE);
    }

    @Test
    void aBrowserWithoutATokenIsSentToTheSignInPageNotA401() {
        given().redirects().follow(false).get("/ui/runs?status=FAILED").then().statusCode(302)
                .header("Location", allOf(containsString("/ui/login?next="), containsString("%2Fui%2Fruns%3Fstatus%3DFAILED")));
        given().redirects().follow(false).get("/ui").then().statusCode(302).header("Location", containsString("/ui/login"));
        given().get("/ui/login").then().statusCode(200).body(containsString("Bearer token"));
        given().get("/ui/static/console.css").then().statusCode(200);
        given().get("/webjars/uplot/dist/uPlot.iife.min.js").then().statusCode(200);
        // an expired or forged cookie: back to the sign-in page, the cookie cleared
        given().redirects().follow(false).cookie(UiSession.COOKIE, TestTokens.signedByAnotherKey("mallory", "operator"))
                .get("/ui/runs").then().statusCode(302).header("Location", containsString("/ui/login"))
                .header("Set-Cookie", containsString("Max-Age=0"));
        // /api keeps its 401 with the Bearer challenge
        given().get("/api/runs").then().statusCode(401).header("WWW-Authenticate", containsString("Bearer"));
    }

    @Test
    void signingInKeepsTheTokenInAnHttpOnlyCookieCheckedLikeTheHeader() {
        given().redirects().follow(false).formParam("token", "not-a-jwt").post("/ui/login").then().statusCode(401)
                .body(containsString("refused"));
        given().redirects().follow(false).formParam("token", TestTokens.token("nobody")).post("/ui/login").then().statusCode(403);
        String viewer = signIn(TestTokens.viewer());
        given().cookie(UiSession.COOKIE, viewer).get("/ui/runs").then().statusCode(200)
                .body(containsString(TestTokens.VIEWER)).body(not(containsString("/ui/runs/new")));
        // the --local URL: ?token= signs in and goes to the console
        given().redirects().follow(false).get("/ui/login?token=" + TestTokens.operator()).then().statusCode(303)
                .header("Location", org.hamcrest.Matchers.endsWith("/ui/runs")).header("Set-Cookie", startsWith(UiSession.COOKIE + "="));
        // the header still works, for /api and /ui alike
        TestTokens.asViewer().get("/api/runs").then().statusCode(200);
        TestTokens.asViewer().get("/ui/runs").then().statusCode(200);
        // sign-out clears the cookie
        given().redirects().follow(false).cookie(UiSession.COOKIE, viewer).post("/ui/logout").then().statusCode(303)
                .header("Set-Cookie", containsString("Max-Age=0"));
        // an open redirect is not followed
        assertEquals("/ui/runs", LoginResource.safeNext("//evil.example/ui/"));
        assertEquals("/ui/runs", LoginResource.safeNext("https://evil.example/"));
        assertEquals("/ui/models", LoginResource.safeNext("/ui/models"));
    }

    @Test
    void formsNeedRoleOperatorAndTheSessionsCsrfToken() {
        String viewer = signIn(TestTokens.viewer());
        String operator = signIn(TestTokens.operator());
        String csrf = UiSession.csrfTokenOf(operator);
        given().redirects().follow(false).cookie(UiSession.COOKIE, viewer).formParam("csrf", UiSession.csrfTokenOf(viewer))
                .formParam("reason", "r").post("/ui/schedule/suspend").then().statusCode(403);
        given().redirects().follow(false).cookie(UiSession.COOKIE, operator).formParam("reason", "no token")
                .post("/ui/schedule/suspend").then().statusCode(403).body(containsString("CSRF"));
        given().redirects().follow(false).cookie(UiSession.COOKIE, operator).formParam("csrf", UiSession.csrfTokenOf(viewer))
                .formParam("reason", "another session's token").post("/ui/schedule/suspend").then().statusCode(403);
        given().cookie(UiSession.COOKIE, operator).get("/ui/schedule").then().statusCode(200)
                .body(containsString("active")).body(containsString("value=\"" + csrf + "\""));
        given().redirects().follow(false).cookie(UiSession.COOKIE, operator).formParam("csrf", csrf)
                .formParam("reason", "maintenance window").post("/ui/schedule/suspend").then().statusCode(303);
        given().cookie(UiSession.COOKIE, operator).get("/ui/schedule").then().statusCode(200)
                .body(containsString("suspended")).body(containsString("maintenance window"));
        given().redirects().follow(false).cookie(UiSession.COOKIE, operator).formParam("csrf", csrf)
                .formParam("reason", "line\nbreak").post("/ui/schedule/resume").then().statusCode(400);
        given().redirects().follow(false).cookie(UiSession.COOKIE, operator).formParam("csrf", csrf)
                .post("/ui/schedule/resume").then().statusCode(303);
        // the start form: the same checks as POST /api/runs, shown on the page
        given().cookie(UiSession.COOKIE, operator).formParam("csrf", csrf).formParam("dataset", "synthetic")
                .formParam("overrides", "storage.bucket=elsewhere").post("/ui/runs").then().statusCode(400)
                .body(containsString("is not allowed per run"));
        given().cookie(UiSession.COOKIE, operator).formParam("csrf", csrf).formParam("dataset", "csv:/etc/passwd")
                .post("/ui/runs").then().statusCode(400).body(containsString("id=\"problem\""));
    }
}
