package io.leasecr.scenarios;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A page in headless Chromium driven as a user drives it, over the DevTools protocol (a WebSocket; Java's own
 * client, no library): the mouse moved onto an element, pressed and released on it, and JavaScript evaluated
 * to read what the page shows. The debugging port is taken from 29800-29899.
 */
final class Cdp implements AutoCloseable {

  private final Process browser;
  private final WebSocket socket;
  private final AtomicInteger ids = new AtomicInteger();
  private final Map<Integer, CompletableFuture<String>> pending = new ConcurrentHashMap<>();

  private Cdp(Process browser, WebSocket socket) {
    this.browser = browser;
    this.socket = socket;
  }

  /** Opens {@code page} in a new headless Chromium at 1280x900 and waits until its script has run. */
  static Cdp open(String chromium, Path page, Path profile, Path stderr) throws Exception {
    int port = freePort();
    List<String> cmd = new ArrayList<>(List.of(chromium, "--headless", "--no-sandbox", "--disable-gpu",
        "--disable-dev-shm-usage", "--no-first-run", "--user-data-dir=" + profile + "-" + port, "--window-size=1280,900",
        "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=" + port, page.toUri().toString()));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(stderr.toFile()).start();
    try {
      return connect(p, port, stderr);
    } catch (Exception | AssertionError e) {
      p.descendants().forEach(ProcessHandle::destroy);
      p.destroyForcibly();
      throw e;
    }
  }

  private static Cdp connect(Process p, int port, Path stderr) throws Exception {
    HttpClient http = HttpClient.newHttpClient();
    String ws = null;
    long deadline = System.currentTimeMillis() + 30_000;
    while (ws == null) {
      if (System.currentTimeMillis() > deadline || !p.isAlive()) {
        p.destroyForcibly();
        throw new IllegalStateException("chromium's DevTools did not answer on port " + port + " (see " + stderr + ")");
      }
      try {
        String list = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/json/list")).build(),
            HttpResponse.BodyHandlers.ofString()).body();
        Matcher m = Pattern.compile("\"type\"\\s*:\\s*\"page\"[^}]*?\"webSocketDebuggerUrl\"\\s*:\\s*\"([^\"]+)\"")
            .matcher(list);
        if (m.find()) {
          ws = m.group(1);
        }
      } catch (IOException notYet) {
        // not listening yet
      }
      if (ws == null) {
        Thread.sleep(100);
      }
    }
    Cdp[] self = new Cdp[1];
    StringBuilder partial = new StringBuilder();
    WebSocket socket = http.newWebSocketBuilder().buildAsync(URI.create(ws), new WebSocket.Listener() {
      @Override
      public CompletionStage<?> onText(WebSocket w, CharSequence data, boolean last) {
        partial.append(data);
        if (last) {
          String msg = partial.toString();
          partial.setLength(0);
          Matcher id = Pattern.compile("^\\{\"id\":(\\d+),").matcher(msg);
          if (id.find() && self[0] != null) {
            CompletableFuture<String> f = self[0].pending.remove(Integer.parseInt(id.group(1)));
            if (f != null) {
              f.complete(msg);
            }
          }
        }
        w.request(1);
        return null;
      }
    }).get(10, TimeUnit.SECONDS);
    self[0] = new Cdp(p, socket);
    try {
      long ready = System.currentTimeMillis() + 30_000;
      // while the page still loads there may be no document element yet
      while (!"true".equals(self[0].eval("String(document.documentElement && location.protocol === 'file:'"
          + " && document.documentElement.getAttribute('data-ready'))"))) {
        if (System.currentTimeMillis() > ready) {
          throw new IllegalStateException("the page's script did not run within 30 s");
        }
        Thread.sleep(50);
      }
      return self[0];
    } catch (Exception | AssertionError e) {
      self[0].close();
      throw e;
    }
  }

  private static int freePort() throws IOException {
    for (int port = 29800 + (int) (ProcessHandle.current().pid() % 50); port < 29900; port++) {
      try (ServerSocket s = new ServerSocket(port, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
        return port;
      } catch (IOException taken) {
        // the next one
      }
    }
    throw new IOException("no free port in 29800-29899 for chromium's DevTools");
  }

  /** Sends one DevTools command and returns its reply (JSON text). */
  String send(String method, String params) throws Exception {
    int id = ids.incrementAndGet();
    CompletableFuture<String> reply = new CompletableFuture<>();
    pending.put(id, reply);
    socket.sendText("{\"id\":" + id + ",\"method\":\"" + method + "\",\"params\":" + params + "}", true)
        .get(10, TimeUnit.SECONDS);
    String r = reply.get(30, TimeUnit.SECONDS);
    if (r.contains("\"error\":{")) {
      throw new IllegalStateException(method + " failed: " + r);
    }
    return r;
  }

  /** Evaluates a JavaScript expression that yields a string, and returns that string. */
  String eval(String expression) throws Exception {
    String r = send("Runtime.evaluate", "{\"expression\":" + json(expression) + ",\"returnByValue\":true}");
    if (r.contains("\"exceptionDetails\"")) {
      throw new IllegalStateException("the page threw evaluating " + expression + ": " + r);
    }
    Matcher m = Pattern.compile("\"value\":\"((?:[^\"\\\\]|\\\\.)*)\"").matcher(r);
    if (!m.find()) {
      throw new IllegalStateException("no string from " + expression + ": " + r);
    }
    return unjson(m.group(1));
  }

  /** The centre of the first element matching {@code selector}, scrolled into view: {x, y} in CSS pixels. */
  double[] centre(String selector) throws Exception {
    String xy = eval("(function(){var e=document.querySelector(" + json(selector) + ");if(!e){return 'none';}"
        + "e.scrollIntoView({block:'center',inline:'center'});var r=e.getBoundingClientRect();"
        + "return (r.left+r.width/2)+' '+(r.top+r.height/2);})()");
    if (xy.equals("none")) {
      throw new AssertionError("no element matches " + selector);
    }
    String[] w = xy.split(" ");
    return new double[] {Double.parseDouble(w[0]), Double.parseDouble(w[1])};
  }

  /** Moves the mouse onto the element's centre (hover). */
  void hover(String selector) throws Exception {
    double[] c = centre(selector);
    mouse("mouseMoved", c, 0);
  }

  /** Moves onto the element's centre and clicks there with the left button. */
  void click(String selector) throws Exception {
    double[] c = centre(selector);
    mouse("mouseMoved", c, 0);
    mouse("mousePressed", c, 1);
    mouse("mouseReleased", c, 1);
  }

  private void mouse(String type, double[] c, int clicks) throws Exception {
    send("Input.dispatchMouseEvent", "{\"type\":\"" + type + "\",\"x\":" + c[0] + ",\"y\":" + c[1]
        + (clicks > 0 ? ",\"button\":\"left\",\"buttons\":1,\"clickCount\":" + clicks : "") + "}");
  }

  /** A PNG of what the window shows now (a test artifact). */
  void screenshot(Path png) throws Exception {
    String r = send("Page.captureScreenshot", "{\"format\":\"png\"}");
    Matcher m = Pattern.compile("\"data\":\"([^\"]+)\"").matcher(r);
    if (!m.find()) {
      throw new IllegalStateException("no screenshot: " + r.substring(0, Math.min(200, r.length())));
    }
    java.nio.file.Files.write(png, java.util.Base64.getDecoder().decode(m.group(1)));
  }

  static String json(String s) {
    StringBuilder b = new StringBuilder("\"");
    for (char ch : s.toCharArray()) {
      switch (ch) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        case '\n' -> b.append("\\n");
        default -> b.append(ch < 0x20 ? String.format("\\u%04x", (int) ch) : String.valueOf(ch));
      }
    }
    return b.append('"').toString();
  }

  private static String unjson(String s) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < s.length(); i++) {
      char ch = s.charAt(i);
      if (ch != '\\') {
        b.append(ch);
        continue;
      }
      char n = s.charAt(++i);
      switch (n) {
        case 'n' -> b.append('\n');
        case 't' -> b.append('\t');
        case 'r' -> b.append('\r');
        case 'b' -> b.append('\b');
        case 'f' -> b.append('\f');
        case 'u' -> {
          b.append((char) Integer.parseInt(s.substring(i + 1, i + 5), 16));
          i += 4;
        }
        default -> b.append(n);
      }
    }
    return b.toString();
  }

  @Override
  public void close() {
    try {
      socket.abort();
    } finally {
      browser.descendants().forEach(ProcessHandle::destroy); // chromium's zygote, renderers, GPU process
      browser.destroy();
      try {
        if (!browser.waitFor(10, TimeUnit.SECONDS)) {
          browser.destroyForcibly();
        }
      } catch (InterruptedException e) {
        browser.destroyForcibly();
        Thread.currentThread().interrupt();
      }
    }
  }
}
