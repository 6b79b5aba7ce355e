package io.leasecr.node.plot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import java.awt.Color;
import java.awt.GraphicsEnvironment;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * The plotting package: SVG structure (panels, one polyline per drawn series, legend, ticks), PNG size and
 * colours, deterministic output, and figures with nothing or odd things to draw.
 */
class PlotsTest {

  private static final double[] GRID = {1, 10, 100, 1000, 10000, 100000};
  private static final List<String> POLICIES = List.of("restart-all", "restart-holders", "criu-like", "seed", "none");

  @TempDir Path tmp;

  /** 3 panels of 5 series on log x; in the second panel "seed" has no data and "criu-like" a gap. */
  private static Figure sweep() {
    List<Panel> panels = new ArrayList<>();
    for (int load : new int[] {1, 4, 16}) {
      List<Series> series = new ArrayList<>();
      for (int p = 0; p < POLICIES.size(); p++) {
        double[] y = new double[GRID.length];
        for (int i = 0; i < GRID.length; i++) {
          y[i] = (p + 1) * Math.log10(GRID[i] + 1) * load - p;
        }
        if (load == 4 && POLICIES.get(p).equals("seed")) {
          Arrays.fill(y, Double.NaN);
        }
        if (load == 4 && POLICIES.get(p).equals("criu-like")) {
          y[3] = Double.NaN;
        }
        series.add(new Series(POLICIES.get(p), GRID, y));
      }
      panels.add(new Panel("load " + load + " busy threads", series));
    }
    return new Figure("Restart time", "processes", "seconds", true, panels);
  }

  private static Document parse(String svg) throws Exception {
    DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
    f.setNamespaceAware(true);
    return f.newDocumentBuilder().parse(new ByteArrayInputStream(svg.getBytes(StandardCharsets.UTF_8)));
  }

  private static List<Element> elements(Element parent, String tag) {
    NodeList nodes = parent.getElementsByTagName(tag);
    List<Element> out = new ArrayList<>();
    for (int i = 0; i < nodes.getLength(); i++) {
      out.add((Element) nodes.item(i));
    }
    return out;
  }

  private static List<Element> groups(Document doc, String kind) {
    return elements(doc.getDocumentElement(), "g").stream().filter(g -> g.getAttribute("class").equals(kind)).toList();
  }

  private static List<String> texts(Element parent) {
    return elements(parent, "text").stream().map(Element::getTextContent).toList();
  }

  @Test
  void svgHasOneLinePerSeriesAndPanelTheLegendAndLogTicks() throws Exception {
    Path file = tmp.resolve("sweep.svg");
    Plots.writeSvg(sweep(), file);
    Document doc = parse(Files.readString(file));

    List<Element> panels = groups(doc, "panel");
    assertThat(panels).extracting(p -> p.getAttribute("data-name"))
        .containsExactly("load 1 busy threads", "load 4 busy threads", "load 16 busy threads");
    assertThat(elements(panels.get(0), "polyline")).hasSize(5);
    assertThat(elements(panels.get(2), "polyline")).hasSize(5);
    // "seed" has nothing to draw there; the gap splits "criu-like" in two
    List<Element> middle = elements(panels.get(1), "g");
    assertThat(middle).extracting(g -> g.getAttribute("data-name"))
        .containsExactly("restart-all", "restart-holders", "criu-like", "none");
    assertThat(elements(middle.get(2), "polyline")).hasSize(2);
    assertThat(elements(middle.get(2), "circle")).hasSize(5);
    assertThat(elements(panels.get(1), "polyline")).hasSize(5);

    assertThat(texts(groups(doc, "legend").get(0))).containsExactlyElementsOf(POLICIES);
    assertThat(texts(panels.get(0))).contains("1", "10", "100", "1k", "10k", "100k");
    assertThat(texts(doc.getDocumentElement())).contains("Restart time", "processes", "seconds");
  }

  @Test
  void aSeriesHasTheSameColourInEveryPanelAndTheLegend() throws Exception {
    Document doc = parse(Plots.svg(sweep(), PlotOptions.DEFAULT));
    for (Element panel : groups(doc, "panel")) {
      Element first = elements(panel, "g").get(0);
      assertThat(first.getAttribute("data-name")).isEqualTo("restart-all");
      assertThat(elements(first, "polyline").get(0).getAttribute("stroke")).isEqualTo("#0072b2");
    }
    assertThat(elements(groups(doc, "legend").get(0), "line").get(0).getAttribute("stroke")).isEqualTo("#0072b2");
  }

  @Test
  void paletteGivesNamesTheirColoursAcrossFigures() {
    Palette fixed = Palette.of("a", "b", "c");
    Figure onlyC = figure(new Panel("", List.of(new Series("c", new double[] {1}, new double[] {1}))));
    Figure cThenA = figure(new Panel("", List.of(
        new Series("c", new double[] {1}, new double[] {1}), new Series("a", new double[] {1}, new double[] {1}))));
    Map<String, Color> one = fixed.colours(onlyC);
    Map<String, Color> two = fixed.colours(cThenA);
    assertThat(one).containsOnlyKeys("c");
    assertThat(two.keySet()).containsExactly("a", "c");
    assertThat(one.get("c")).isEqualTo(two.get("c")).isNotEqualTo(two.get("a"));
    // without fixed names the first to appear gets the first colour
    assertThat(Palette.firstAppearance().colours(cThenA).get("c")).isEqualTo(two.get("a"));
  }

  @Test
  void pngHasTheAskedSizeAndTheSeriesColours() throws Exception {
    Path file = tmp.resolve("sweep.png");
    Plots.writePng(sweep(), file, PlotOptions.DEFAULT.withSize(900, 500).withPalette(Palette.of("none", "seed")));
    BufferedImage image = ImageIO.read(file.toFile());
    assertThat(GraphicsEnvironment.isHeadless()).isTrue();
    assertThat(image.getWidth()).isEqualTo(900);
    assertThat(image.getHeight()).isEqualTo(500);
    assertThat(pixelsNear(image, new Color(0x0072B2))).as("none, first colour").isGreaterThan(200);
    assertThat(pixelsNear(image, new Color(0xD55E00))).as("seed, second colour").isGreaterThan(200);
    assertThat(pixelsNear(image, new Color(0x009E73))).as("restart-all, third").isGreaterThan(200);
    assertThat(pixelsNear(image, new Color(0x8C564B))).as("an eighth colour nobody has").isZero();
  }

  private static int pixelsNear(BufferedImage image, Color colour) {
    int n = 0;
    for (int y = 0; y < image.getHeight(); y++) {
      for (int x = 0; x < image.getWidth(); x++) {
        Color c = new Color(image.getRGB(x, y));
        if (Math.abs(c.getRed() - colour.getRed()) + Math.abs(c.getGreen() - colour.getGreen())
            + Math.abs(c.getBlue() - colour.getBlue()) <= 12) {
          n++;
        }
      }
    }
    return n;
  }

  @Test
  void theSameFigureGivesTheSameBytes() throws Exception {
    assertThat(Plots.svg(sweep(), PlotOptions.DEFAULT)).isEqualTo(Plots.svg(sweep(), PlotOptions.DEFAULT));
    Plots.writePng(sweep(), tmp.resolve("1.png"));
    Plots.writePng(sweep(), tmp.resolve("2.png"));
    assertThat(Files.readAllBytes(tmp.resolve("1.png"))).isEqualTo(Files.readAllBytes(tmp.resolve("2.png")));
  }

  private static Figure figure(Panel... panels) {
    return new Figure("t", "x", "y", false, List.of(panels));
  }

  private static Series series(String name, double[] x, double[] y) {
    return new Series(name, x, y);
  }

  @Test
  @Timeout(60)
  void degenerateFiguresDrawWithFiniteCoordinates() throws Exception {
    double nan = Double.NaN;
    List<Figure> figures = List.of(
        new Figure("", "", "", false, List.of()),
        figure(new Panel("empty", List.of())),
        figure(new Panel("", List.of(series("nothing", new double[0], new double[0])))),
        figure(new Panel("all missing", List.of(series("a", new double[] {1, 2}, new double[] {nan, nan})))),
        figure(new Panel("one x", List.of(series("a", new double[] {5, 5}, new double[] {1, 2})))),
        figure(new Panel("one point", List.of(series("a", new double[] {5}, new double[] {3})))),
        figure(new Panel("flat", List.of(series("a", new double[] {1, 2, 3}, new double[] {7, 7, 7})))),
        figure(new Panel("zeros", List.of(series("a", new double[] {1, 2, 3}, new double[] {0, 0, 0})))),
        figure(new Panel("tiny", List.of(series("a", new double[] {0, 1e-12}, new double[] {1e-12, 2e-12})))),
        figure(new Panel("huge", List.of(series("a", new double[] {0, 1}, new double[] {1e15, 1e15 + 1})))),
        figure(new Panel("infinite", List.of(series("a", new double[] {1, 2, 3},
            new double[] {Double.POSITIVE_INFINITY, 1, Double.NEGATIVE_INFINITY})))),
        figure(new Panel("extreme", List.of(series("a", new double[] {1, 2, 3, 4},
            new double[] {-Double.MAX_VALUE, -1e300, 1e300, Double.MAX_VALUE})))),
        figure(new Panel("nan x", List.of(series("a", new double[] {nan, 1}, new double[] {1, 2})))),
        new Figure("log, no positive x", "", "", true,
            List.of(new Panel("", List.of(series("a", new double[] {0, -1}, new double[] {1, 2}))))),
        new Figure("log, one x", "", "", true,
            List.of(new Panel("", List.of(series("a", new double[] {100}, new double[] {1}))))),
        new Figure("a".repeat(300), "b".repeat(300), "c".repeat(300), false, List.of(
            new Panel("d".repeat(300), List.of(series("e".repeat(300), new double[] {1, 2}, new double[] {1, 2}))))));
    for (Figure f : figures) {
      String svg = Plots.svg(f, PlotOptions.DEFAULT);
      assertThat(svg).as(f.title()).doesNotContain("NaN", "Infinity");
      assertThatCode(() -> parse(svg)).doesNotThrowAnyException();
      assertThatCode(() -> Plots.image(f, PlotOptions.DEFAULT)).doesNotThrowAnyException();
      assertThatCode(() -> Plots.svg(f, PlotOptions.DEFAULT.withSize(100, 100))).as(f.title())
          .doesNotThrowAnyException();
    }
  }

  @Test
  void negativeValuesAreOnTheAxisWithAZeroLine() throws Exception {
    Figure f = figure(new Panel("p", List.of(series("a", new double[] {1, 2, 3}, new double[] {-12, 3, 25}))));
    Document doc = parse(Plots.svg(f, PlotOptions.DEFAULT));
    Element panel = groups(doc, "panel").get(0);
    assertThat(texts(panel)).contains("-10", "0", "10", "20");
    assertThat(elements(panel, "line")).anyMatch(l -> l.getAttribute("stroke").equals("#6e6e6e"));

    Figure positive = figure(new Panel("p", List.of(series("a", new double[] {1, 2}, new double[] {3, 25}))));
    assertThat(elements(groups(parse(Plots.svg(positive, PlotOptions.DEFAULT)), "panel").get(0), "line"))
        .noneMatch(l -> l.getAttribute("stroke").equals("#6e6e6e"));
  }

  @Test
  void panelsShareTheYRange() throws Exception {
    Figure f = figure(
        new Panel("small", List.of(series("a", new double[] {1, 2}, new double[] {0, 1}))),
        new Panel("large", List.of(series("a", new double[] {1, 2}, new double[] {0, 100}))));
    List<Element> panels = groups(parse(Plots.svg(f, PlotOptions.DEFAULT)), "panel");
    assertThat(texts(panels.get(0))).isEqualTo(texts(panels.get(1)).stream()
        .map(t -> t.equals("large") ? "small" : t).toList());
    // the same y value sits at the same height in both panels
    String zeroInSmall = elements(panels.get(0), "circle").get(0).getAttribute("cy");
    String zeroInLarge = elements(panels.get(1), "circle").get(0).getAttribute("cy");
    assertThat(zeroInSmall).isEqualTo(zeroInLarge);
  }

  @Test
  void namesAreEscaped() throws Exception {
    String name = "a<b & \"c\" 'd' \u0001";
    Figure f = figure(new Panel(name, List.of(series(name, new double[] {1, 2}, new double[] {1, 2}))));
    Document doc = parse(Plots.svg(f, PlotOptions.DEFAULT));
    assertThat(groups(doc, "panel").get(0).getAttribute("data-name")).isEqualTo("a<b & \"c\" 'd' \uFFFD");
    assertThat(texts(groups(doc, "legend").get(0))).containsExactly("a<b & \"c\" 'd' \uFFFD");
  }

  @Test
  void linearTicksStepBy125AndLogTicksByDecades() {
    Axis a = Axis.linear(-3.2, 17, 5);
    assertThat(a.ticks()).containsExactly(0, 5, 10, 15);
    assertThat(a.min()).isEqualTo(-3.2);
    assertThat(Axis.linear(0, 0.37, 4).labels()).containsExactly("0.0", "0.1", "0.2", "0.3");
    assertThat(Axis.linear(0, 0.9, 4).labels()).containsExactly("0.0", "0.2", "0.4", "0.6", "0.8");
    assertThat(Axis.linear(0, 50_000, 5).labels()).containsExactly("0", "10k", "20k", "30k", "40k", "50k");
    assertThat(Axis.linear(1.5e6, 2.5e6, 2).labels()).containsExactly("1.5M", "2.0M", "2.5M");
    assertThat(Arrays.stream(Axis.linear(4, 4, 5).ticks()).boxed().toList())
        .allMatch(t -> t >= 3.6 && t <= 4.4).hasSizeGreaterThan(1);

    Axis log = Axis.log(3, 20_000, 10);
    assertThat(log.min()).isEqualTo(1);
    assertThat(log.max()).isEqualTo(100_000);
    assertThat(log.labels()).containsExactly("1", "10", "100", "1k", "10k", "100k");
    assertThat(Axis.log(1, 1e9, 4).labels()).containsExactly("1", "1k", "1M", "1G");
    assertThat(Axis.log(0.001, 0.1, 10).labels()).containsExactly("0.001", "0.01", "0.1");
  }
}
