package io.converge.net.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebDriverException;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.WindowType;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The cluster page in a real headless browser: two {@code crdt-node run} processes, a counter
 * written through node A's form shows on node B's page, and B killed with SIGKILL turns
 * unreachable on A's page, all without a reload. Node A needs a bearer token, which its page asks
 * for; a write the API refuses shows its error and changes nothing; markup in data stays text.
 *
 * <p>Drives Debian's {@code chromium} through Debian's {@code chromedriver}, named by path so that
 * Selenium never looks for (or downloads) a driver of its own; skips with a message where they are
 * not installed ({@code scripts/install-test-tools.sh} installs them as root). Every wait is
 * bounded. Screenshots go to {@code target/cluster-page/}; with {@code -Dconverge.screenshots=update}
 * they are also copied to {@code docs/images/} for the README.
 */
class ClusterPageBrowserTest {
    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    private static final Pattern READY = Pattern.compile(
            "peers on \\S*?(?<peers>\\d+\\.\\d+\\.\\d+\\.\\d+:\\d+).*HTTP API on http://(?<http>\\S+)");
    private static final Duration WAIT = Duration.ofSeconds(20);
    /**
     * Quiet: Selenium warns that it ships no DevTools bindings for Debian's newer Chromium; the test
     * uses WebDriver only, never DevTools. Held here so the logger (and its level) is not collected.
     */
    private static final java.util.logging.Logger CDP_FINDER = quiet("org.openqa.selenium.devtools.CdpVersionFinder");

    private final List<Process> processes = new ArrayList<>();

    private static java.util.logging.Logger quiet(String name) {
        java.util.logging.Logger l = java.util.logging.Logger.getLogger(name);
        l.setLevel(java.util.logging.Level.SEVERE);
        return l;
    }
    private WebDriver browser;

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void aWriteOnOnePageShowsOnTheOtherAndAKilledPeerTurnsUnreachable(@TempDir Path dir) throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER),
                "skipped: needs Debian's chromium and chromium-driver (" + CHROMIUM + ", " + CHROMEDRIVER
                        + "); run scripts/install-test-tools.sh as root to install them");
        Path secret = dir.resolve("secret");
        Files.writeString(secret, Base64.getEncoder().encodeToString(
                "the browser test's secret, 32+ bytes".getBytes(StandardCharsets.US_ASCII)));
        Path token = dir.resolve("token");
        Files.writeString(token, "page-test-token-0123456789\n");
        // Ports chosen by the system, never guessed: beta's seed is the port alpha says it took.
        Process a = startNode(dir, "alpha", secret, "--http-token-file", token.toString());
        Matcher readyA = awaitReady(a, dir.resolve("alpha.log"));
        String httpA = readyA.group("http");
        Process b = startNode(dir, "beta", secret, "--seeds", readyA.group("peers"));
        String httpB = awaitReady(b, dir.resolve("beta.log")).group("http");

        browser = startBrowser(dir);
        WebDriverWait wait = new WebDriverWait(browser, WAIT, Duration.ofMillis(100));

        browser.get("http://" + httpA + "/");
        String pageA = browser.getWindowHandle();
        // Alpha needs a bearer token: its page asks for it before showing anything.
        WebElement tokenField = wait.withMessage("A's page asks for the token").until(d -> {
            WebElement t = d.findElement(By.id("token"));
            return t.isDisplayed() ? t : null;
        });
        tokenField.sendKeys("page-test-token-0123456789");
        browser.findElement(By.cssSelector("#auth-form button")).click();
        assertEquals("crdt-node alpha", wait.until(d -> d.getTitle().equals("crdt-node alpha") ? d.getTitle() : null));
        wait.withMessage("A's page shows both members up").until(d -> "up".equals(status(d, "alpha"))
                && "up".equals(status(d, "beta")));

        browser.switchTo().newWindow(WindowType.TAB);
        String pageB = browser.getWindowHandle();
        browser.get("http://" + httpB + "/");
        wait.withMessage("B's page is live").until(d -> "live".equals(attr(d, By.id("conn"), "data-state")));

        browser.switchTo().window(pageA);
        wait.withMessage("A's page is live").until(d -> "live".equals(attr(d, By.id("conn"), "data-state")));
        assertEquals("ok", write(wait, "counter", "visits", "w-delta", "5"));
        awaitValue(wait, "visits", "5", "A's page shows the value its write answered");
        assertEquals("ok", write(wait, "set-add", "tags", "w-element", "red"));
        awaitValue(wait, "tags", "[\"red\"]", "A's page shows the set");
        assertEquals("ok", write(wait, "map-put", "config", "w-field", "owner", "w-value", "{\"team\": \"ops\", \"max\": 10}"));
        awaitValue(wait, "config", "{\"owner\":{\"max\":10,\"team\":\"ops\"}}", "A's page shows the map");

        browser.switchTo().window(pageB);
        wait.withMessage("the counter written on A appears on B's page").until(d -> "5".equals(keyValue(d, "visits")));
        screenshot("cluster-page-b.png", false);

        browser.switchTo().window(pageA);
        wait.withMessage("A's page shows beta caught up").until(d -> "in sync".equals(text(d, "tr[data-member='beta'] .lag")));
        screenshot("cluster-page.png", true);

        assertEquals("error", write(wait, "set-add", "visits", "w-element", "x"), "a refused write shows its error");
        assertTrue(browser.findElement(By.id("write-result")).getText().contains("409 type_mismatch"),
                browser.findElement(By.id("write-result")).getText());
        awaitValue(wait, "visits", "5", "the refused write changed nothing");

        b.destroyForcibly(); // SIGKILL: a crash, no goodbye
        assertTrue(b.waitFor(10, TimeUnit.SECONDS), "beta did not die within 10 s of SIGKILL");
        wait.withMessage("beta turns unreachable on A's page").until(d -> {
            String s = status(d, "beta"); // null while the row is re-rendered
            return "unreachable".equals(s) || "down".equals(s);
        });
        // A row reads null while the table is re-rendered (beta's change redraws it): wait for it.
        wait.withMessage("alpha stays up on its own page").until(d -> "up".equals(status(d, "alpha")));
        wait.withMessage("the change is among the recent events").until(d -> d.findElements(By.cssSelector("#events li"))
                .stream().map(WebElement::getText).anyMatch(t -> t.contains("beta") && t.contains("unreachable")));
        screenshot("cluster-page-unreachable.png", true);

        // Values are shown as text: markup in a key or an element never becomes an element.
        String markup = "<img src=x onerror=alert(1)>";
        assertEquals("ok", write(wait, "set-add", markup, "w-element", "<b>bold</b>"));
        awaitValue(wait, markup, "[\"<b>bold</b>\"]", "markup is shown as text");
        wait.withMessage("the key's markup is shown as text").until(
                d -> markup.equals(text(d, "tr[data-key='" + markup + "'] .key")));
        assertTrue(browser.findElements(By.cssSelector("main img, main b")).isEmpty(), "no markup from data was parsed");
    }

    private Process startNode(Path dir, String name, Path secret, String... more) throws IOException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Djava.net.preferIPv4Stack=true", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn", "-XX:TieredStopAtLevel=1",
                "-cp", System.getProperty("java.class.path"), CrdtNode.class.getName(),
                "run", "--name", name, "--bind", "127.0.0.1:0", "--http", "127.0.0.1:0",
                "--secret-file", secret.toString(), "--insecure-plaintext"));
        command.addAll(List.of(more));
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.redirectErrorStream(true);
        pb.redirectOutput(dir.resolve(name + ".log").toFile());
        Process p = pb.start();
        processes.add(p);
        return p;
    }

    /** The node's peer and HTTP addresses, once it printed them (polling its log: a pipe can lose a tail). */
    private static Matcher awaitReady(Process p, Path log) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline && p.isAlive()) {
            Matcher m = READY.matcher(Files.readString(log));
            if (m.find()) {
                return m;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("the node never said it was ready:\n" + Files.readString(log));
    }

    private static WebDriver startBrowser(Path dir) {
        // The driver and the browser are named by path: Selenium Manager is never asked for either.
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort().withLogFile(dir.resolve("chromedriver.log").toFile()).build();
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--window-size=1280,800", "--no-first-run", "--disable-extensions", "--disable-background-networking");
        WebDriver d = new ChromeDriver(service, options);
        d.manage().timeouts().pageLoadTimeout(WAIT).scriptTimeout(WAIT);
        return d;
    }

    /** Writes through the form and waits for its answer: "ok" or "error". */
    private String write(WebDriverWait wait, String type, String key, String... fieldsAndValues) {
        new Select(browser.findElement(By.id("w-type"))).selectByValue(type);
        List<String> inputs = new ArrayList<>(List.of("w-key", key));
        inputs.addAll(List.of(fieldsAndValues));
        for (int i = 0; i < inputs.size(); i += 2) {
            WebElement e = browser.findElement(By.id(inputs.get(i)));
            e.clear();
            e.sendKeys(inputs.get(i + 1));
        }
        browser.findElement(By.id("w-submit")).click();
        return wait.withMessage("the form's " + type + " write of " + key + " is answered").until(d -> {
            String kind = attr(d, By.id("write-result"), "data-kind");
            return "ok".equals(kind) || "error".equals(kind) ? kind : null;
        });
    }

    private static String status(WebDriver d, String member) {
        return attr(d, By.cssSelector("tr[data-member='" + member + "'] .status"), "data-status");
    }

    /** Waits for a key's shown value: the table is redrawn on events, and a row reads null meanwhile. */
    private static void awaitValue(WebDriverWait wait, String key, String expected, String message) {
        wait.withMessage(message + ": " + key + " = " + expected).until(d -> expected.equals(keyValue(d, key)));
    }

    private static String keyValue(WebDriver d, String key) {
        return text(d, "tr[data-key='" + key + "'] .value");
    }

    private static String text(WebDriver d, String css) {
        try {
            List<WebElement> e = d.findElements(By.cssSelector(css));
            return e.isEmpty() ? null : e.get(0).getText();
        } catch (WebDriverException e) {
            return null; // re-rendered between finding and reading; the wait asks again
        }
    }

    private static String attr(WebDriver d, By by, String name) {
        try {
            List<WebElement> e = d.findElements(by);
            return e.isEmpty() ? null : e.get(0).getAttribute(name);
        } catch (WebDriverException e) {
            return null; // the row was re-rendered between finding and reading it; the wait asks again
        }
    }

    /** Saves the page as it is to target/cluster-page/, and for the README if asked and {@code forDocs}. */
    private void screenshot(String name, boolean forDocs) throws IOException {
        byte[] png = ((TakesScreenshot) browser).getScreenshotAs(OutputType.BYTES);
        Path out = Path.of("target", "cluster-page");
        Files.createDirectories(out);
        Files.write(out.resolve(name), png);
        if (forDocs && "update".equals(System.getProperty("converge.screenshots"))) {
            Path docs = Path.of("..", "docs", "images");
            Files.createDirectories(docs);
            Files.copy(out.resolve(name), docs.resolve(name), StandardCopyOption.REPLACE_EXISTING);
        }
    }

    @AfterEach
    void stop() throws InterruptedException {
        if (browser != null) {
            browser.quit();
        }
        for (Process p : processes) {
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
        }
    }
}
