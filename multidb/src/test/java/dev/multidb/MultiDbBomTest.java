package dev.multidb;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import javax.xml.parsers.DocumentBuilderFactory;

import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;

/**
 * multidb-bom has no parent (an imported BOM must not bring multidb-parent's pins of Lettuce,
 * Jackson, JUnit…), so nothing in Maven keeps it in step with the parent: this test does. It runs
 * in the multidb module, whose directory is the tests' working directory.
 */
class MultiDbBomTest {

    private static final Path ROOT = Path.of("..");

    @Test
    void theBomHasTheParentsVersionAndManagesEveryPublishedModule() throws Exception {
        Document parent = parse(ROOT.resolve("pom.xml"));
        Document bom = parse(ROOT.resolve("multidb-bom/pom.xml"));

        assertThat(child(bom.getDocumentElement(), "version")).isEqualTo(child(parent.getDocumentElement(), "version"));

        List<String> published = new ArrayList<>();
        Element modules = element(parent.getDocumentElement(), "modules");
        for (Node m = modules.getFirstChild(); m != null; m = m.getNextSibling()) {
            if (m instanceof Element module && !module.getTextContent().equals("multidb-bom")) {
                Document pom = parse(ROOT.resolve(module.getTextContent()).resolve("pom.xml"));
                if (!"true".equals(property(pom, "maven.deploy.skip"))) {
                    published.add(child(pom.getDocumentElement(), "artifactId"));
                }
            }
        }
        List<String> managed = new ArrayList<>();
        Element dependencies = element(element(bom.getDocumentElement(), "dependencyManagement"), "dependencies");
        for (Node d = dependencies.getFirstChild(); d != null; d = d.getNextSibling()) {
            if (d instanceof Element dependency) {
                assertThat(child(dependency, "groupId")).isEqualTo("dev.multidb");
                assertThat(child(dependency, "version")).isEqualTo("${project.version}");
                managed.add(child(dependency, "artifactId"));
            }
        }
        assertThat(published).contains("multidb", "multidb-testkit").doesNotContain("multidb-bench");
        assertThat(managed).containsExactlyInAnyOrderElementsOf(published);
    }

    private static Document parse(Path pom) throws Exception {
        assertThat(pom).exists();
        return DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(Files.newInputStream(pom));
    }

    private static String property(Document pom, String name) {
        Element properties = element(pom.getDocumentElement(), "properties");
        return properties == null ? null : child(properties, name);
    }

    /** The direct child element called {@code name}, or {@code null}. */
    private static Element element(Element parent, String name) {
        for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element e && e.getTagName().equals(name)) {
                return e;
            }
        }
        return null;
    }

    private static String child(Element parent, String name) {
        Element e = element(parent, name);
        return e == null ? null : e.getTextContent().trim();
    }
}
