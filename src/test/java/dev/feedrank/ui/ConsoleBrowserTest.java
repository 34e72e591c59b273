package dev.feedrank.ui;

import dev.feedrank.pipeline.RunApi;
import dev.feedrank.testing.FeedrankTestServices;
import dev.feedrank.testing.TestTokens;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.io.File;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The web console in a real browser: Debian's headless Chromium driven by Selenium against the running test
 * application. One short pipeline is started from the console's form and watched to its end; a second one (other
 * overrides, through the API) feeds the compare page and gives the operator a version to promote. Each test saves a
 * screenshot under {@code target/ui-screenshots/}.
 */
@QuarkusTest
@QuarkusTestResource(FeedrankTestServices.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ConsoleBrowserTest {

    static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    static final Path SCREENSHOTS = Path.of("target", "ui-screenshots");

    /** RunApi.SMALL data, short trainings (2 epochs, then 1): the two runs take about a minute on an idle machine. */
    static final java.util.Map<String, String> FIRST = RunApi.small("train.epochs", "2");
    static final java.util.Map<String, String> SECOND = RunApi.small("train.epochs", "1");

    static WebDriver browser;
    static Path profile;
    static long first;
    static long second;

    @TestHTTPResource("/")
    URL base;

    @BeforeAll
    static void startBrowser() throws Exception {
        profile = Files.createTempDirectory("feedrank-chromium-");
        browser = chromium(profile);
    }

    /** Headless Chromium at 1280x800 with the flags that keep it off the network, on a fresh profile folder. */
    static WebDriver chromium(Path profile) throws Exception {
        if (!Files.isExecutable(CHROMEDRIVER) || !Files.isExecutable(CHROMIUM)) {
            fail("The console's browser tests need Debian's Chromium and its driver at " + CHROMIUM + " and " + CHROMEDRIVER
                    + ": install them with `apt-get install -y chromium chromium-driver` (.ci/run does so when they are missing)");
        }
        Files.createDirectories(SCREENSHOTS);
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--window-size=1280,800", "--user-data-dir=" + profile.toAbsolutePath());
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort().build();
        WebDriver driver = new ChromeDriver(service, options);
        driver.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(60)).scriptTimeout(Duration.ofSeconds(30));
        return driver;
    }

    @AfterAll
    static void stopBrowser() throws Exception {
        quit(browser, profile);
    }

    static void quit(WebDriver driver, Path profile) throws Exception {
        if (driver != null) driver.quit();
        if (profile != null) {
            try (var files = Files.walk(profile)) {
                files.sorted(Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
            }
        }
    }

    String url(String path) {
        return url(base, path);
    }

    /** {@code path} (starting with {@code /}) on the test application at {@code base}. */
    static String url(URL base, String path) {
        String b = base.toString();
        return (b.endsWith("/") ? b.substring(0, b.length() - 1) : b) + path;
    }

    void signIn(String token) {
        browser.get(url("/ui/login?token=" + token));
        new WebDriverWait(browser, Duration.ofSeconds(20)).until(d -> d.getCurrentUrl().contains("/ui/runs"));
    }

    static void screenshot(String name) throws Exception {
        screenshot(browser, name);
    }

    static void screenshot(WebDriver driver, String name) throws Exception {
        byte[] png = ((TakesScreenshot) driver).getScreenshotAs(OutputType.BYTES);
        Files.write(SCREENSHOTS.resolve(name + ".png"), png);
    }

    static Object js(String script, Object... args) {
        return ((JavascriptExecutor) browser).executeScript(script, args);
    }

    /** A POST from the page itself (its cookie, its CSRF token unless told otherwise): the HTTP status. */
    static long postFromPage(String path, Map<String, String> form) {
        Object status = ((JavascriptExecutor) browser).executeAsyncScript(
                "var done = arguments[arguments.length - 1];"
                        + "fetch(arguments[0], {method: 'POST', credentials: 'same-origin', redirect: 'manual',"
                        + " headers: {'Content-Type': 'application/x-www-form-urlencoded'}, body: new URLSearchParams(arguments[1])})"
                        + ".then(function (r) { done(r.status); }, function (e) { done(-1); });", path, form);
        return ((Number) status).longValue();
    }

    static String csrfOfPage() {
        return browser.findElement(By.id("main")).getAttribute("data-csrf");
    }

    @Test
    @Order(1)
    void anOperatorStartsARunFromTheConsoleWatchesItLiveAndTheRunsTableListsIt() throws Exception {
        signIn(TestTokens.operator());
        browser.get(url("/ui/runs/new"));
        browser.findElement(By.id("dataset")).clear();
        browser.findElement(By.id("dataset")).sendKeys("synthetic");
        StringBuilder overrides = new StringBuilder();
        FIRST.forEach((k, v) -> overrides.append(k).append('=').append(v).append('\n'));
        browser.findElement(By.id("overrides")).sendKeys(overrides);
        browser.findElement(By.id("start")).click();
        new WebDriverWait(browser, Duration.ofSeconds(30)).until(d -> d.getCurrentUrl().matches(".*/ui/runs/\\d+.*"));
        first = Long.parseLong(browser.getCurrentUrl().replaceAll(".*/ui/runs/(\\d+).*", "$1"));
        // the page follows the run by itself (polling, then one reload when it ends)
        String seen = browser.findElement(By.cssSelector("#run-status .text")).getText();
        assertTrue(List.of("QUEUED", "RUNNING", "SUCCEEDED").contains(seen), seen);
        new WebDriverWait(browser, Duration.ofMinutes(6)).pollingEvery(Duration.ofSeconds(1)).until(d -> {
            String s = d.findElement(By.cssSelector("#run-status .text")).getText();
            return !s.equals("QUEUED") && !s.equals("RUNNING");
        });
        screenshot("01-run-finished");
        assertEquals("SUCCEEDED", browser.findElement(By.cssSelector("#run-status .text")).getText(),
                () -> browser.findElement(By.tagName("main")).getText());
        // the second run (other overrides) is started through the API while the browser checks the first
        second = RunApi.start("synthetic", SECOND);

        browser.get(url("/ui/runs"));
        WebElement row = browser.findElement(By.cssSelector("#runs tr[data-run-id='" + first + "']"));
        assertTrue(row.getText().contains("SUCCEEDED"), row.getText());
        assertTrue(row.getText().contains("synthetic"), row.getText());
        assertTrue(row.getText().contains("s CPU"), "the cost columns: " + row.getText());
        assertEquals("th", browser.findElement(By.cssSelector("#runs thead th")).getTagName());
        screenshot("02-runs-table");
    }

    @Test
    @Order(2)
    void theRunPagesChartsHaveOnePointPerEpoch() throws Exception {
        JsonPath curve = TestTokens.asViewer().get("/api/runs/" + first + "/metrics").then().statusCode(200).extract().jsonPath();
        int epochs = curve.getList("curve").size();
        assertEquals(2, epochs, "the run trained " + FIRST.get("train.epochs") + " epochs");
        browser.get(url("/ui/runs/" + first));
        new WebDriverWait(browser, Duration.ofSeconds(20)).until(d -> js("return !!(window.feedrankCharts && window.feedrankCharts.validation)").equals(true));
        for (String chart : List.of("loss", "validation", "lr")) {
            @SuppressWarnings("unchecked")
            List<List<Object>> data = (List<List<Object>>) js("return window.feedrankCharts[arguments[0]].plot.data;", chart);
            assertEquals(epochs, data.get(0).size(), chart + ": x values " + data.get(0));
            assertEquals(List.of(1L, 2L), data.get(0), chart);
            for (int s = 1; s < data.size(); s++) {
                assertEquals(epochs, data.get(s).size(), chart + " series " + s);
                assertTrue(data.get(s).stream().allMatch(v -> v instanceof Number), chart + " series " + s + ": " + data.get(s));
            }
        }
        Object best = js("return window.feedrankCharts.validation.bestEpoch;");
        assertTrue(best instanceof Number n && n.intValue() >= 1 && n.intValue() <= epochs, "best epoch " + best);
        assertTrue(browser.findElement(By.id("gate")).getText().contains("beat-baseline"));
        // what the strong baselines fitted, in words: the chosen hyperparameter over the whole (200-item) catalogue
        String fits = browser.findElement(By.id("baseline-fits")).getText();
        assertTrue(fits.matches("(?s)puresvd: rank \\d+ over all 200 items, fitted in .*\nease: lambda \\d+ over all 200 items, fitted in .*"), fits);
        assertFalse(browser.findElements(By.cssSelector("#timeline tbody tr[data-stage='train']")).isEmpty());
        // run cost: the run's totals and each stage attempt's CPU time
        String cost = browser.findElement(By.id("run-cost")).getText();
        assertTrue(cost.contains("s CPU") && cost.contains("/s"), cost);
        String train = browser.findElement(By.cssSelector("#timeline tbody tr[data-stage='train']")).getText();
        assertTrue(train.contains("s CPU"), train);
        screenshot("03-run-page");
        // the whole page in one picture (docs/img/console-run.png is the top of one, taken of a `serve --local` run)
        browser.manage().window().setSize(new org.openqa.selenium.Dimension(1280, 2000));
        Thread.sleep(500);
        screenshot("03-run-page-full");
        // a narrow window: the page reflows (wide tables scroll inside their own box), nothing sticks out
        browser.manage().window().setSize(new org.openqa.selenium.Dimension(480, 900));
        Thread.sleep(500);
        screenshot("03-run-page-narrow");
        Object overflow = js("return document.documentElement.scrollWidth - document.documentElement.clientWidth;");
        assertTrue(((Number) overflow).intValue() <= 1, "horizontal overflow at 480 px: " + overflow);
        browser.manage().window().setSize(new org.openqa.selenium.Dimension(1280, 800));
    }

    /** The first run's version is production; the second run gives the other one (promoted, or rejected). */
    static String versionToPromote() throws Exception {
        JsonPath b = RunApi.await(second, Duration.ofMinutes(6));
        assertEquals("SUCCEEDED", b.getString("status"), () -> "second run: " + b.getString("error"));
        String a = TestTokens.asViewer().get("/api/runs/" + first).then().extract().path("model.version");
        var alias = TestTokens.asViewer().get("/api/aliases/production").then().extract();
        String production = alias.statusCode() == 200 ? alias.path("version") : null;
        return a.equals(production) ? b.getString("model.version") : a;
    }

    @Test
    @Order(3)
    void aViewerSeesNoPromoteButtonAndIsRefusedWhenPostingTheFormAnyway() throws Exception {
        String version = versionToPromote();
        signIn(TestTokens.viewer());
        browser.get(url("/ui/models/" + version));
        assertTrue(browser.findElements(By.id("promote")).isEmpty(), "a viewer sees no promote button");
        assertTrue(browser.findElements(By.tagName("form")).stream().noneMatch(f -> f.getAttribute("action").contains("/promote")));
        assertTrue(browser.findElements(By.cssSelector("a[href='/ui/runs/new']")).isEmpty(), "nor the start-run link");
        long status = postFromPage("/ui/models/" + version + "/promote",
                Map.of("csrf", csrfOfPage(), "alias", "production", "reason", "viewer tries", "force", "true"));
        assertEquals(403, status);
        screenshot("04-viewer-model-page");
        TestTokens.asViewer().get("/api/aliases/production").then().statusCode(200)
                .body("history.reason", org.hamcrest.Matchers.not(org.hamcrest.Matchers.hasItem("viewer tries")));
    }

    @Test
    @Order(4)
    void aFormWithoutTheCsrfTokenIsRefused() throws Exception {
        String version = versionToPromote();
        signIn(TestTokens.operator());
        browser.get(url("/ui/models/" + version));
        assertEquals(403, postFromPage("/ui/models/" + version + "/promote",
                Map.of("alias", "production", "reason", "no csrf", "force", "true")));
        // the real form, its token removed: the page says why and nothing moved
        js("document.querySelector('#promote-form input[name=csrf]').remove();");
        browser.findElement(By.id("promote-reason")).sendKeys("forged form");
        List<WebElement> force = browser.findElements(By.id("promote-force"));
        if (!force.isEmpty()) force.get(0).click();
        browser.findElement(By.id("promote")).click();
        new WebDriverWait(browser, Duration.ofSeconds(20)).until(d -> !d.findElements(By.id("problem")).isEmpty());
        assertTrue(browser.findElement(By.id("problem")).getText().contains("CSRF"));
        screenshot("05-csrf-refused");
        String production = TestTokens.asViewer().get("/api/aliases/production").then().extract().path("version");
        assertFalse(version.equals(production), "nothing moved");
    }

    @Test
    @Order(5)
    void anOperatorPromotesWithAReasonAndTheAliasHistoryShowsIt() throws Exception {
        String version = versionToPromote();
        signIn(TestTokens.operator());
        browser.get(url("/ui/models/" + version));
        String reason = "browser test: promote " + version;
        browser.findElement(By.id("promote-reason")).sendKeys(reason);
        List<WebElement> force = browser.findElements(By.id("promote-force"));
        if (!force.isEmpty()) force.get(0).click(); // a rejected version needs force, as through the API
        browser.findElement(By.id("promote")).click();
        new WebDriverWait(browser, Duration.ofSeconds(30)).until(d -> d.getCurrentUrl().contains("/ui/aliases/production"));
        WebElement latest = browser.findElement(By.cssSelector("#history tbody tr"));
        assertTrue(latest.getText().contains(reason), latest.getText());
        assertTrue(latest.getText().contains(TestTokens.OPERATOR), latest.getText());
        assertEquals(version, browser.findElement(By.id("alias-version")).getText());
        screenshot("06-alias-history");
    }

    @Test
    @Order(6)
    void theComparePageShowsTheDifferingConfigKey() throws Exception {
        signIn(TestTokens.viewer());
        browser.get(url("/ui/runs"));
        browser.findElement(By.id("cmp-" + first)).click();
        browser.findElement(By.id("cmp-" + second)).click();
        browser.findElement(By.id("compare-selected")).click();
        new WebDriverWait(browser, Duration.ofSeconds(20)).until(d -> !d.findElements(By.id("config-diff")).isEmpty());
        WebElement epochs = browser.findElement(By.cssSelector("#config-diff tr[data-key='train.epochs']"));
        assertTrue(epochs.getText().contains("2") && epochs.getText().contains("1"), epochs.getText());
        assertEquals(1, browser.findElements(By.cssSelector("#config-diff tbody tr")).size(), "only the epochs differ");
        @SuppressWarnings("unchecked")
        List<String> series = (List<String>) js("return window.feedrankCharts['compare-validation'].series;");
        assertEquals(2, series.size(), series.toString());
        screenshot("07-compare");
    }
}
