package io.converge.crdt.docs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The set-up docs/testing.md gives users is the one the sample user projects of {@code src/it} are
 * built with (maven-invoker-plugin, in {@code mvn -B verify}, which fails unless their properties
 * ran). The page's {@code pom.xml} fragment must be, line for line (indentation aside), the part
 * of {@code src/it/testkit-user/pom.xml} between its {@code docs/testing.md: begin} and
 * {@code end} markers, with the build's versions in place of its {@code @…@} tokens; the modular
 * sample may differ from it only by the line the page adds for modules.
 */
class TestingPageTest {
    private static final Path PAGE = PageSnippets.DOCS.resolve("testing.md");
    private static final Path IT = Path.of("src", "it");
    private static final Path CLASSPATH_SAMPLE = IT.resolve("testkit-user");
    private static final Path MODULE_SAMPLE = IT.resolve("testkit-user-jpms");
    private static final String MODULE_LINE = "<useModulePath>false</useModulePath>";

    @Test
    void thePagesPomFragmentIsTheSampleProjectsSetUp() throws IOException {
        assertEquals(sampleSetUp(CLASSPATH_SAMPLE), PageSnippets.normalize(pageFragment()),
                "docs/testing.md's pom.xml fragment and " + CLASSPATH_SAMPLE.resolve("pom.xml") + " differ");
    }

    @Test
    void theModularSampleAddsOnlyTheLineThePageAddsForModules() throws IOException {
        String modular = sampleSetUp(MODULE_SAMPLE);
        assertTrue(modular.contains("\n" + MODULE_LINE + "\n"), MODULE_SAMPLE + " must set " + MODULE_LINE);
        assertEquals(sampleSetUp(CLASSPATH_SAMPLE), modular.replace("\n" + MODULE_LINE + "\n", "\n"));
        assertTrue(PageSnippets.read(PAGE).contains("`" + MODULE_LINE + "`"), "docs/testing.md must name " + MODULE_LINE);
        String moduleInfo = PageSnippets.read(MODULE_SAMPLE.resolve("src/main/java/module-info.java"));
        assertTrue(moduleInfo.contains("requires io.converge.crdt;"), "the modular sample must require io.converge.crdt");
    }

    /** The samples test the page's worked example as it is (DataTypesSnippetsTest ties these to data-types.md). */
    @Test
    void theSampleProjectsHoldTheDocsExampleAsItIs() throws IOException {
        for (Path sample : List.of(CLASSPATH_SAMPLE, MODULE_SAMPLE)) {
            assertEquals(PageSnippets.read(PageSnippets.HERE.resolve("MaxRegister.java")),
                    PageSnippets.read(sample.resolve("src/main/java/io/converge/crdt/docs/MaxRegister.java")), sample.toString());
            assertEquals(PageSnippets.read(PageSnippets.HERE.resolve("MaxRegisterProperties.java")),
                    PageSnippets.read(sample.resolve("src/test/java/io/converge/crdt/docs/MaxRegisterProperties.java")),
                    sample.toString());
        }
    }

    /** One set-up, on one page: no other page shows a partial one (jqwik without the rest). */
    @Test
    void noOtherPageShowsATestDependencySetUp() throws IOException {
        List<String> others = new ArrayList<>();
        try (Stream<Path> pages = Files.list(PageSnippets.DOCS)) {
            for (Path page : pages.filter(p -> p.toString().endsWith(".md")).sorted().toList()) {
                if (!page.getFileName().toString().equals("testing.md")
                        && xmlBlocks(Files.readString(page)).stream().anyMatch(b -> b.contains("<artifactId>jqwik</artifactId>"))) {
                    others.add(page.toString());
                }
            }
        }
        assertEquals(List.of(), others, "link to docs/testing.md#using-the-testkit-in-your-project instead");
    }

    /** The page's one ```xml block that imports junit-bom. */
    private static String pageFragment() throws IOException {
        List<String> fragments = xmlBlocks(PageSnippets.read(PAGE)).stream().filter(b -> b.contains("junit-bom")).toList();
        if (fragments.size() != 1) {
            fail("docs/testing.md must have one pom.xml fragment importing junit-bom, has " + fragments.size());
        }
        return fragments.get(0);
    }

    private static List<String> xmlBlocks(String page) {
        List<String> blocks = new ArrayList<>();
        Matcher m = Pattern.compile("```xml\\n(.*?)```", Pattern.DOTALL).matcher(page);
        while (m.find()) {
            blocks.add(m.group(1));
        }
        return blocks;
    }

    /**
     * The sample pom between its markers, without what the page leaves out, without comment lines,
     * with the build's versions for its tokens, normalized as {@link PageSnippets#normalize}.
     */
    private static String sampleSetUp(Path sample) throws IOException {
        String pom = PageSnippets.read(sample.resolve("pom.xml"));
        String begin = "<!-- docs/testing.md: begin -->";
        String end = "<!-- docs/testing.md: end -->";
        int from = pom.indexOf(begin);
        int to = pom.indexOf(end);
        if (from < 0 || to < from) {
            fail(sample + "/pom.xml must mark the page's fragment with " + begin + " and " + end);
        }
        String region = pom.substring(from + begin.length(), to)
                .replaceAll("(?s)<!-- not in docs/testing\\.md.*?<!-- end of not in docs/testing\\.md -->", "")
                .replaceAll("(?m)^\\s*<!--.*-->\\s*$", "");
        return PageSnippets.normalize(withBuildVersions(region));
    }

    private static String withBuildVersions(String text) throws IOException {
        String rootPom = PageSnippets.read(Path.of("..", "pom.xml"));
        Matcher token = Pattern.compile("@([\\w.-]+)@").matcher(text);
        StringBuilder out = new StringBuilder();
        while (token.find()) {
            String name = token.group(1);
            Matcher value = Pattern.compile(name.equals("project.version")
                    ? "<artifactId>converge-parent</artifactId>\\s*<version>([^<]+)</version>"
                    : "<" + Pattern.quote(name) + ">([^<]+)</" + Pattern.quote(name) + ">").matcher(rootPom);
            if (!value.find()) {
                fail("no " + name + " in the root pom.xml");
            }
            token.appendReplacement(out, Matcher.quoteReplacement(value.group(1)));
        }
        token.appendTail(out);
        return out.toString();
    }
}
