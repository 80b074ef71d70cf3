package io.converge.crdt.docs;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Keeps a page's Java snippets and the tests that compile and run them together: every ```java
 * block of a page must appear, line for line (indentation and blank lines aside), in one of the
 * tested sources.
 */
final class PageSnippets {
    static final Path DOCS = Path.of("..", "docs");
    static final Path HERE = Path.of("src", "test", "java", "io", "converge", "crdt", "docs");

    private PageSnippets() {
    }

    /** Fails unless the page has at least {@code atLeast} Java blocks, each found in {@code sources}. */
    static void assertEverySnippetIsIn(Path page, int atLeast, Path... sources) throws IOException {
        List<String> normalized = new ArrayList<>();
        for (Path s : sources) {
            normalized.add(normalize(read(s)));
        }
        Matcher m = Pattern.compile("```java\\n(.*?)```", Pattern.DOTALL).matcher(read(page));
        List<String> missing = new ArrayList<>();
        int blocks = 0;
        while (m.find()) {
            blocks++;
            String block = normalize(m.group(1));
            if (normalized.stream().noneMatch(s -> s.contains(block))) {
                missing.add(m.group(1));
            }
        }
        if (blocks < atLeast) {
            fail(page + " has " + blocks + " Java snippets, expected at least " + atLeast);
        }
        if (!missing.isEmpty()) {
            fail("snippets of " + page + " not found in the tested sources:\n" + String.join("\n---\n", missing));
        }
    }

    static String read(Path p) throws IOException {
        if (!Files.exists(p)) {
            fail(p.toAbsolutePath() + " not found: run the tests from crdt-core");
        }
        return Files.readString(p);
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
