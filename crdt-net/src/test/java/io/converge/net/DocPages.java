package io.converge.net;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Test utility, the one place that reads the pages of {@code docs/} for the page tests: it finds a
 * page, extracts its {@code ```java} blocks, and checks that each block appears, line for line, in
 * the source of the test that compiles and runs it, so a page cannot show code that no test builds.
 * Stateless; tests run from the {@code crdt-net} module directory (Maven's default).
 */
public final class DocPages {

    private static final Pattern JAVA_BLOCK = Pattern.compile("```java\\n(.*?)```", Pattern.DOTALL);
    private static final Pattern LINK = Pattern.compile("\\]\\(([^)#]+)(#[^)]*)?\\)");

    private DocPages() {
    }

    /** {@code docs/<name>} as seen from the module directory; fails the test if it does not exist. */
    public static Path page(String name) {
        Path p = Path.of("..", "docs", name);
        if (!Files.isRegularFile(p)) {
            fail(p.toAbsolutePath() + " not found: run the tests from crdt-net");
        }
        return p;
    }

    /** The text of {@code docs/<name>}. */
    public static String read(String name) throws IOException {
        return Files.readString(page(name));
    }

    /** The source file of a test class in {@code src/test/java}; fails the test if it does not exist. */
    public static Path source(Class<?> test) {
        Path p = Path.of("src", "test", "java").resolve(test.getName().replace('.', '/') + ".java");
        if (!Files.isRegularFile(p)) {
            fail(p.toAbsolutePath() + " not found: run the tests from crdt-net");
        }
        return p;
    }

    /**
     * Asserts that every {@code ```java} block of {@code docs/<name>} appears in the source of
     * {@code test}, ignoring indentation and blank lines, and returns how many blocks the page has
     * so the caller can also pin that number.
     */
    public static int assertJavaBlocksIn(String name, Class<?> test) throws IOException {
        String source = normalize(Files.readString(source(test)));
        Matcher m = JAVA_BLOCK.matcher(read(name));
        List<String> missing = new ArrayList<>();
        int blocks = 0;
        while (m.find()) {
            blocks++;
            if (!source.contains(normalize(m.group(1)))) {
                missing.add(m.group(1));
            }
        }
        if (!missing.isEmpty()) {
            fail("snippets of docs/" + name + " not in " + source(test) + ":\n" + String.join("\n---\n", missing));
        }
        return blocks;
    }

    /** Asserts that every relative Markdown link of {@code page} names a file that exists. */
    public static void assertRelativeLinksResolve(Path page) throws IOException {
        Matcher m = LINK.matcher(Files.readString(page));
        while (m.find()) {
            String target = m.group(1);
            if (!target.startsWith("http")) {
                assertTrue(Files.exists(page.getParent().resolve(target)), "broken link " + target + " in " + page);
            }
        }
    }

    /** Lines stripped of indentation, blank lines dropped, each line closed by a newline. */
    static String normalize(String s) {
        StringBuilder out = new StringBuilder("\n");
        for (String line : s.split("\n")) {
            if (!line.isBlank()) {
                out.append(line.strip()).append('\n');
            }
        }
        return out.toString();
    }
}
