package dev.feedrank.ui;

import dev.feedrank.testing.FeedrankTestServices;
import dev.feedrank.testing.TestIdentityProvider;
import dev.feedrank.testing.TestTokens;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.endsWith;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The console's single sign-on: quarkus-oidc's authorization-code flow (PKCE, client secret) against a small
 * OpenID Connect provider run by the test ({@link TestIdentityProvider}, a stand-in written for this test, not a
 * real provider). The test plays the browser: it follows each redirect by hand, keeping cookies, and checks the
 * session, the roles from the provider's groups (mapped with {@code quarkus.http.auth.roles-mapping}), the CSRF token,
 * sign-out, and that {@code /api} still takes bearer tokens only; then the same sign-in in Chromium (as
 * {@link ConsoleBrowserTest}), through the provider's sign-in form, with a screenshot.
 */
@QuarkusTest
@QuarkusTestResource(FeedrankTestServices.class)
@TestProfile(ConsoleSingleSignOnTest.SingleSignOn.class)
class ConsoleSingleSignOnTest {

    public static class SingleSignOn implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("quarkus.http.auth.roles-mapping.\"feedrank-admins\"", "operator,viewer");
        }

        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(TestIdentityProvider.class));
        }
    }

    @TestHTTPResource("/")
    URL base;

    /** Signs {@code user} in through the provider as a browser would; returns the console's cookies afterwards. */
    private static Map<String, String> signInThroughProvider(String user) {
        Map<String, String> cookies = new HashMap<>();
        Response start = given().redirects().follow(false).get("/ui/login/sso");
        assertEquals(302, start.statusCode(), "the console sends the browser to the provider");
        String authorize = start.getHeader("Location");
        assertTrue(authorize.contains("/realm/authorize?") && authorize.contains("code_challenge="), authorize);
        cookies.putAll(start.getCookies());

        Response provider = given().redirects().follow(false).urlEncodingEnabled(false).get(authorize + "&login_hint=" + user);
        assertEquals(302, provider.statusCode(), provider.asString());
        String callback = provider.getHeader("Location");
        assertTrue(callback.contains("/ui/login/sso?") && callback.contains("code="), callback);

        Response back = given().redirects().follow(false).urlEncodingEnabled(false).cookies(cookies).get(callback);
        assertEquals(302, back.statusCode(), "the code is exchanged and the query removed: " + back.asString());
        cookies.putAll(back.getCookies());
        assertTrue(cookies.containsKey(LoginResource.SSO_COOKIE), "a session cookie " + back.getHeaders());
        String setCookie = back.getHeaders().getValues("Set-Cookie").stream()
                .filter(c -> c.startsWith(LoginResource.SSO_COOKIE + "=")).findFirst().orElseThrow();
        String attributes = setCookie.substring(setCookie.indexOf(';')).toLowerCase(java.util.Locale.ROOT);
        assertTrue(attributes.contains("httponly") && attributes.contains("path=/ui"), attributes);

        given().redirects().follow(false).cookies(cookies).get("/ui/login/sso").then().statusCode(303)
                .header("Location", endsWith("/ui/runs"));
        return cookies;
    }

    private static String csrfOf(String page) {
        Matcher m = Pattern.compile("data-csrf=\"([^\"]+)\"").matcher(page);
        assertTrue(m.find(), "the page carries the session's CSRF token");
        return m.group(1);
    }

    @Test
    void anOperatorSignsInThroughTheProviderAndActs() {
        given().get("/ui/login").then().statusCode(200).body(containsString("id=\"sign-in-sso\""));
        Map<String, String> alice = signInThroughProvider("alice");

        String runs = given().cookies(alice).get("/ui/runs").then().statusCode(200)
                .body(containsString("alice")).body(containsString("/ui/runs/new")).extract().asString();
        String csrf = csrfOf(runs);
        given().redirects().follow(false).cookies(alice).formParam("reason", "maintenance window")
                .post("/ui/schedule/suspend").then().statusCode(403);
        given().redirects().follow(false).cookies(alice).formParam("csrf", csrf).formParam("reason", "maintenance window")
                .post("/ui/schedule/suspend").then().statusCode(303);
        given().cookies(alice).get("/ui/schedule").then().statusCode(200).body(containsString("maintenance window"))
                .body(containsString("alice"));
        given().redirects().follow(false).cookies(alice).formParam("csrf", csrf).formParam("reason", "window over")
                .post("/ui/schedule/resume").then().statusCode(303);

        // the session is the console's only: /api takes bearer tokens, and answers 401 with the Bearer challenge
        given().cookies(alice).get("/api/runs").then().statusCode(401).header("WWW-Authenticate", containsString("Bearer"));
        TestTokens.asViewer().get("/api/runs").then().statusCode(200);

        // sign-out ends the console session
        Response out = given().redirects().follow(false).cookies(alice).post("/ui/logout");
        assertEquals(303, out.statusCode());
        assertTrue(out.getHeaders().getValues("Set-Cookie").stream()
                .anyMatch(c -> c.startsWith(LoginResource.SSO_COOKIE + "=;") && c.contains("Max-Age=0")), out.getHeaders().toString());
    }

    @Test
    void inARealBrowserTheOperatorSignsInThroughTheProvidersFormAndOut() throws Exception {
        Path profile = Files.createTempDirectory("feedrank-chromium-sso-");
        WebDriver browser = ConsoleBrowserTest.chromium(profile);
        try {
            WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(30));
            browser.get(ConsoleBrowserTest.url(base, "/ui/runs"));
            wait.until(d -> d.getCurrentUrl().contains("/ui/login"));
            browser.findElement(By.id("sign-in-sso")).click();
            // the provider's own page (another origin): its sign-in form
            wait.until(d -> d.getCurrentUrl().contains("/realm/authorize"));
            browser.findElement(By.id("username")).sendKeys("alice");
            ConsoleBrowserTest.screenshot(browser, "08-sso-provider");
            browser.findElement(By.id("sign-in")).click();
            // back through the callback (the state cookie must survive the cross-site redirect) to the runs page
            wait.until(d -> d.getCurrentUrl().endsWith("/ui/runs"));
            String page = browser.getPageSource();
            assertTrue(page.contains("alice") && page.contains("/ui/runs/new"), "signed in as an operator: " + page);
            assertTrue(browser.manage().getCookieNamed(LoginResource.SSO_COOKIE) != null, "the session cookie is set");
            ConsoleBrowserTest.screenshot(browser, "08-sso-signed-in");
            browser.findElement(By.cssSelector("form[action='/ui/logout'] button")).click();
            wait.until(d -> d.getCurrentUrl().contains("/ui/login"));
            browser.get(ConsoleBrowserTest.url(base, "/ui/runs"));
            wait.until(d -> d.getCurrentUrl().contains("/ui/login?next="));
        } finally {
            ConsoleBrowserTest.quit(browser, profile);
        }
    }

    @Test
    void aViewerFromTheProviderReadsButCannotActAndAUserWithoutRolesIsRefused() {
        Map<String, String> victor = signInThroughProvider("victor");
        String runs = given().cookies(victor).get("/ui/runs").then().statusCode(200).body(containsString("victor"))
                .body(not(containsString("/ui/runs/new"))).extract().asString();
        given().redirects().follow(false).cookies(victor).formParam("csrf", csrfOf(runs)).formParam("reason", "no")
                .post("/ui/schedule/suspend").then().statusCode(403);

        Map<String, String> nobody = signInThroughProvider("nobody");
        Response page = given().redirects().follow(false).cookies(nobody).get("/ui/runs");
        assertEquals(403, page.statusCode(), "signed in at the provider, but neither viewer nor operator");
        assertFalse(page.asString().contains("/ui/runs/new"));
        assertNotNull(nobody.get(LoginResource.SSO_COOKIE));
    }
}
