package org.jdnn.distributed;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class TcpStoreTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(5);

  private TcpStore host;
  private final List<TcpStore> clients = new ArrayList<>();
  private final ExecutorService pool = Executors.newCachedThreadPool();

  @BeforeEach
  void startHost() {
    host = TcpStore.host(0, 0, TIMEOUT);
  }

  @AfterEach
  void stopAll() {
    pool.shutdownNow();
    for (TcpStore c : clients) c.close();
    host.close();
  }

  private TcpStore client(int rank) {
    TcpStore c = TcpStore.connect("127.0.0.1", host.port(), rank, TIMEOUT);
    clients.add(c);
    return c;
  }

  private static byte[] utf8(String s) {
    return s.getBytes(UTF_8);
  }

  @Test
  void aValueSetByOneRankIsReadByAnother() {
    assertTrue(host.isHost());
    assertTrue(host.port() > 0);
    TcpStore rank1 = client(1);
    assertFalse(rank1.isHost());
    assertEquals(host.port(), rank1.port());
    assertEquals(TIMEOUT, rank1.timeout());
    rank1.set("addr/1", utf8("10.0.0.2:40001"));
    assertArrayEquals(utf8("10.0.0.2:40001"), host.get("addr/1"));
    host.set("addr/1", new byte[0]); // replaces, and an empty value is a value
    assertArrayEquals(new byte[0], rank1.get("addr/1", Duration.ofMillis(100)));
    byte[] binary = {0, -1, 127, -128, 10};
    host.set("blob", binary);
    assertArrayEquals(binary, rank1.get("blob"));
  }

  @Test
  void getWaitsForTheKeyAndTimesOutNamingIt() throws Exception {
    TcpStore rank1 = client(1);
    long start = System.nanoTime();
    Future<byte[]> waiting = pool.submit(() -> rank1.get("late", TIMEOUT));
    Thread.sleep(200);
    assertFalse(waiting.isDone(), "GET returned before the key was set");
    host.set("late", utf8("here"));
    assertArrayEquals(utf8("here"), waiting.get(3, TimeUnit.SECONDS));
    assertTrue(System.nanoTime() - start >= TimeUnit.MILLISECONDS.toNanos(200));

    start = System.nanoTime();
    DistributedException e = assertThrows(DistributedException.class,
        () -> rank1.get("rank/7/addr", Duration.ofMillis(200)));
    long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    assertTrue(ms >= 180 && ms < 3000, "timed out after " + ms + " ms");
    assertTrue(e.getMessage().contains("GET rank/7/addr timed out after 200 ms"), e.getMessage());
    assertTrue(e.getMessage().contains("did every rank start"), e.getMessage());
    // a timeout is an answer: the connection still works
    rank1.set("after", utf8("ok"));
    assertArrayEquals(utf8("ok"), host.get("after"));
  }

  @Test
  void concurrentAddsFromManyRanksAndThreadsSumExactly() throws Exception {
    int perThread = 150;
    List<TcpStore> stores = List.of(host, client(1), client(2), client(3));
    Set<Long> seen = ConcurrentHashMap.newKeySet();
    List<Future<?>> done = new ArrayList<>();
    CountDownLatch go = new CountDownLatch(1);
    // two threads per store: requests on one connection are serialized, across connections they race
    for (TcpStore s : stores) {
      for (int t = 0; t < 2; t++) {
        done.add(pool.submit(() -> {
          go.await();
          for (int i = 0; i < perThread; i++) seen.add(s.add("counter", 1));
          return null;
        }));
      }
    }
    go.countDown();
    for (Future<?> f : done) f.get(10, TimeUnit.SECONDS);
    int total = stores.size() * 2 * perThread;
    assertEquals(total, seen.size(), "every add must return a distinct new value");
    assertEquals(1L, seen.stream().mapToLong(Long::longValue).min().getAsLong());
    assertEquals(total, seen.stream().mapToLong(Long::longValue).max().getAsLong());
    assertArrayEquals(utf8(Integer.toString(total)), host.get("counter"));
    assertEquals(total - 10, host.add("counter", -10));
    assertEquals(total - 10, host.add("counter", 0));
  }

  @Test
  void addOnANonNumberFailsAndLeavesTheValueAndConnection() {
    TcpStore rank1 = client(1);
    rank1.set("name", utf8("worker"));
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> rank1.add("name", 1));
    assertTrue(e.getMessage().contains("ADD name") && e.getMessage().contains("not a decimal integer")
        && e.getMessage().contains("\"worker\""), e.getMessage());
    assertArrayEquals(utf8("worker"), rank1.get("name"));
    rank1.set("big", utf8(Long.toString(Long.MAX_VALUE)));
    e = assertThrows(IllegalStateException.class, () -> rank1.add("big", 1));
    assertTrue(e.getMessage().contains("overflows"), e.getMessage());
    assertEquals(5, rank1.add("fresh", 5));
  }

  @Test
  void awaitCheckAndDelete() throws Exception {
    TcpStore rank1 = client(1);
    assertTrue(rank1.check(List.of()));
    rank1.await(List.of(), Duration.ofMillis(10));
    assertFalse(rank1.check(List.of("a", "b")));
    host.set("a", utf8("1"));
    assertTrue(rank1.check(List.of("a")));
    assertFalse(rank1.check(List.of("a", "b")));

    Future<?> waiting = pool.submit(() -> {
      rank1.await(List.of("a", "b"), TIMEOUT);
      return null;
    });
    Thread.sleep(150);
    assertFalse(waiting.isDone(), "WAIT returned with a key missing");
    host.set("b", utf8("2"));
    waiting.get(3, TimeUnit.SECONDS);
    assertTrue(rank1.check(List.of("a", "b")));

    DistributedException e = assertThrows(DistributedException.class,
        () -> rank1.await(List.of("a", "c", "d"), Duration.ofMillis(150)));
    assertTrue(e.getMessage().contains("WAIT for 3 key(s) timed out after 150 ms: still missing [c, d]"),
        e.getMessage());

    assertTrue(rank1.delete("a"));
    assertFalse(rank1.delete("a"));
    assertFalse(host.check(List.of("a")));
    assertTrue(host.check(List.of("b")));
  }

  @Test
  void aSecondHostOnTheSamePortFailsSayingItIsInUse() {
    IllegalStateException e = assertThrows(IllegalStateException.class,
        () -> TcpStore.host(host.port(), 0, TIMEOUT));
    String m = e.getMessage();
    assertTrue(m.startsWith("TcpStore: cannot listen on port " + host.port() + ": it is in use ("), m);
    assertTrue(m.contains("BindException") && m.contains("set MASTER_PORT to a free port"), m);
    // the first host is unharmed
    host.set("k", utf8("v"));
    assertArrayEquals(utf8("v"), host.get("k"));
  }

  @Test
  void connectingToAClosedPortFailsWithinTheTimeout() throws IOException {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    long start = System.nanoTime();
    DistributedException e = assertThrows(DistributedException.class,
        () -> TcpStore.connect("127.0.0.1", port, 1, Duration.ofMillis(300)));
    long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    assertTrue(ms >= 250 && ms < 3000, "gave up after " + ms + " ms");
    assertEquals("TcpStore: cannot reach the rendezvous store at 127.0.0.1:" + port
        + " (MASTER_ADDR/MASTER_PORT) within 300 ms: Connection refused; is rank 0 running and is the address "
        + "right?", e.getMessage());
  }

  @Test
  void aClientThatStartsBeforeTheHostConnectsOnceItIsUp() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    Future<TcpStore> early = pool.submit(() -> TcpStore.connect("localhost", port, 1, TIMEOUT));
    Thread.sleep(300);
    try (TcpStore late = TcpStore.host(port, 0, TIMEOUT); TcpStore rank1 = early.get(5, TimeUnit.SECONDS)) {
      rank1.set("x", utf8("y"));
      assertArrayEquals(utf8("y"), late.get("x"));
    }
  }

  @Test
  void anUnknownHostFailsAtOnce() {
    long start = System.nanoTime();
    DistributedException e = assertThrows(DistributedException.class,
        () -> TcpStore.connect("no-such-host.invalid", 29500, 1, Duration.ofSeconds(30)));
    assertTrue(TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start) < 10);
    assertTrue(e.getMessage().contains("unknown host \"no-such-host.invalid\"")
        && e.getMessage().contains("set MASTER_ADDR"), e.getMessage());
  }

  @Test
  void aRankThatDiesIsReportedLostAndOneThatSaysByeIsNot() {
    TcpStore clean = client(2);
    clean.set("x", utf8("1"));
    clean.close();
    clean.close(); // idempotent
    assertThrows(IllegalStateException.class, () -> clean.get("x"));

    TcpStore crashing = client(3);
    crashing.set("y", utf8("1"));
    crashing.abortForTest();
    String lost = new String(host.get("jdnn/lost/3", Duration.ofSeconds(3)), UTF_8);
    assertTrue(lost.startsWith("connection closed without BYE"), lost);
    // the crash was seen after the clean close was answered, so a report of rank 2 would be there by now
    assertFalse(host.check(List.of("jdnn/lost/2")));

    // a connection that is no rank's (-1) is not tracked
    TcpStore untracked = client(-1);
    untracked.abortForTest();
    TcpStore marker = client(5);
    marker.abortForTest();
    host.get("jdnn/lost/5", Duration.ofSeconds(3));
    assertFalse(host.check(List.of("jdnn/lost/-1")));
  }

  @Test
  void aRankThatDiesWhileBlockedInGetIsReportedAtOnce() throws Exception {
    TcpStore rank4 = client(4);
    Future<byte[]> blocked = pool.submit(() -> rank4.get("never", Duration.ofSeconds(60)));
    Thread.sleep(150);
    rank4.abortForTest();
    long start = System.nanoTime();
    host.get("jdnn/lost/4", Duration.ofSeconds(3));
    assertTrue(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start) < 3000);
    Exception e = assertThrows(Exception.class, () -> blocked.get(3, TimeUnit.SECONDS));
    assertTrue(e.getCause() instanceof IllegalStateException, String.valueOf(e.getCause()));
    assertTrue(e.getCause().getMessage().contains("GET never was cut short"), e.getCause().getMessage());
  }

  @Test
  void theWireFormatIsPinned() throws IOException {
    try (Socket s = new Socket("127.0.0.1", host.port())) {
      s.setSoTimeout(3000);
      DataInputStream in = new DataInputStream(s.getInputStream());
      var raw = s.getOutputStream();
      // handshake: magic "JDNS", version 1, rank 6
      raw.write(new byte[] {0x4A, 0x44, 0x4E, 0x53, 0, 0, 0, 1, 0, 0, 0, 6});
      assertEquals(0, in.read());
      // SET "k" = {7, 8}
      raw.write(new byte[] {1, 0, 0, 0, 1, 'k', 0, 0, 0, 2, 7, 8});
      assertEquals(0, in.read());
      // GET "k", timeout 1000 ms: status 0, length 2, bytes
      raw.write(new byte[] {2, 0, 0, 0, 1, 'k', 0, 0, 0, 0, 0, 0, 0x03, (byte) 0xE8});
      byte[] answer = new byte[7];
      in.readFully(answer);
      assertArrayEquals(new byte[] {0, 0, 0, 0, 2, 7, 8}, answer);
      // ADD "n" 3, twice: status 0 and the int64 sum
      byte[] add3 = {3, 0, 0, 0, 1, 'n', 0, 0, 0, 0, 0, 0, 0, 3};
      raw.write(add3);
      answer = new byte[9];
      in.readFully(answer);
      assertArrayEquals(new byte[] {0, 0, 0, 0, 0, 0, 0, 0, 3}, answer);
      raw.write(add3);
      in.readFully(answer);
      assertArrayEquals(new byte[] {0, 0, 0, 0, 0, 0, 0, 0, 6}, answer);
      // the counter is stored as decimal text
      assertArrayEquals(utf8("6"), host.get("n"));
      // GET of a missing key with timeout 1 ms: status 1
      raw.write(new byte[] {2, 0, 0, 0, 1, 'z', 0, 0, 0, 0, 0, 0, 0, 1});
      assertEquals(1, in.read());
      // WAIT ["k", "n"] 1000 ms, CHECK ["k", "z"], DELETE "k" (existed), sent back to back
      DataOutputStream out = new DataOutputStream(raw);
      out.write(new byte[] {4, 0, 0, 0, 2, 0, 0, 0, 1, 'k', 0, 0, 0, 1, 'n', 0, 0, 0, 0, 0, 0, 0x03, (byte) 0xE8});
      out.write(new byte[] {5, 0, 0, 0, 2, 0, 0, 0, 1, 'k', 0, 0, 0, 1, 'z'});
      out.write(new byte[] {6, 0, 0, 0, 1, 'k'});
      answer = new byte[5];
      in.readFully(answer);
      assertArrayEquals(new byte[] {0, 0, 0, 0, 1}, answer);
      // ADD on a non-number: status 2 and a string message
      host.set("s", utf8("abc"));
      raw.write(new byte[] {3, 0, 0, 0, 1, 's', 0, 0, 0, 0, 0, 0, 0, 1});
      assertEquals(2, in.read());
      byte[] message = new byte[in.readInt()];
      in.readFully(message);
      assertTrue(new String(message, UTF_8).contains("not a decimal integer"));
      // BYE: status 0, then the server closes the connection, and rank 6 is not reported lost
      raw.write(7);
      assertEquals(0, in.read());
      assertEquals(-1, in.read());
    }
    assertFalse(host.check(List.of("jdnn/lost/6")));
  }

  @Test
  void theServerClosesConnectionsThatBreakTheProtocol() throws IOException {
    // wrong magic: closed without an answer
    try (Socket s = new Socket("127.0.0.1", host.port())) {
      s.setSoTimeout(3000);
      s.getOutputStream().write(new byte[] {0x50, 0x4F, 0x53, 0x54, 0, 0, 0, 1, 0, 0, 0, 1});
      assertEquals(-1, s.getInputStream().read());
    }
    // wrong version
    try (Socket s = new Socket("127.0.0.1", host.port())) {
      s.setSoTimeout(3000);
      s.getOutputStream().write(new byte[] {0x4A, 0x44, 0x4E, 0x53, 0, 0, 0, 2, 0, 0, 0, 1});
      assertEquals(-1, s.getInputStream().read());
    }
    // unknown op code after a good handshake: closed, and the rank is reported lost
    try (Socket s = new Socket("127.0.0.1", host.port())) {
      s.setSoTimeout(3000);
      s.getOutputStream().write(new byte[] {0x4A, 0x44, 0x4E, 0x53, 0, 0, 0, 1, 0, 0, 0, 9});
      assertEquals(0, s.getInputStream().read());
      s.getOutputStream().write(42);
      assertEquals(-1, s.getInputStream().read());
    }
    String lost = new String(host.get("jdnn/lost/9", Duration.ofSeconds(3)), UTF_8);
    assertTrue(lost.startsWith("protocol error: unknown op code 42"), lost);
  }

  @Test
  void aClientOfAnotherProtocolIsToldSo() throws Exception {
    try (ServerSocket fake = new ServerSocket(0)) {
      Future<?> server = pool.submit(() -> {
        try (Socket s = fake.accept()) {
          new DataInputStream(s.getInputStream()).readFully(new byte[12]);
        }
        return null;
      });
      DistributedException e = assertThrows(DistributedException.class,
          () -> TcpStore.connect("127.0.0.1", fake.getLocalPort(), 1, TIMEOUT));
      assertTrue(e.getMessage().contains("closed the connection on the handshake")
          && e.getMessage().contains("not a jdnn rendezvous store"), e.getMessage());
      server.get(3, TimeUnit.SECONDS);
    }
  }

  @Test
  void whenTheHostClosesAClientsNextCallFailsSayingSo() {
    TcpStore rank1 = client(1);
    rank1.set("k", utf8("v"));
    host.close();
    host.close(); // idempotent
    DistributedException e = assertThrows(DistributedException.class, () -> rank1.get("k"));
    assertTrue(e.getMessage().startsWith("TcpStore: the rendezvous store at 127.0.0.1:" + host.port()
        + " closed the connection"), e.getMessage());
    assertTrue(e.getMessage().contains("(rank 0 exited?) during GET k"), e.getMessage());
    // and every later call says the connection failed earlier
    e = assertThrows(DistributedException.class, () -> rank1.set("k", utf8("w")));
    assertTrue(e.getMessage().contains("cannot SET k: the connection failed earlier"), e.getMessage());
    rank1.close(); // closing a broken store is quiet
  }

  @Test
  void aBlockedGetEndsWhenTheHostCloses() throws Exception {
    TcpStore rank1 = client(1);
    Future<byte[]> blocked = pool.submit(() -> rank1.get("never", Duration.ofSeconds(60)));
    Thread.sleep(150);
    host.close();
    Exception e = assertThrows(Exception.class, () -> blocked.get(3, TimeUnit.SECONDS));
    assertTrue(e.getCause() instanceof DistributedException, String.valueOf(e.getCause()));
    assertTrue(e.getCause().getMessage().contains("closed the connection"), e.getCause().getMessage());
  }

  @Test
  void argumentsAreValidatedWithTheirNameAndValue() {
    assertMessage(() -> TcpStore.host(-1, 0, TIMEOUT), "TcpStore.host: port must be in 0..65535", "got -1");
    assertMessage(() -> TcpStore.host(65536, 0, TIMEOUT), "port must be in 0..65535", "got 65536");
    assertMessage(() -> TcpStore.host(0, -2, TIMEOUT), "TcpStore.host: rank must be >= 0", "got -2");
    assertMessage(() -> TcpStore.host(0, 0, Duration.ZERO), "timeout must be a positive duration", "got PT0S");
    assertMessage(() -> TcpStore.connect(null, 1, 0, TIMEOUT), "TcpStore.connect: host must be", "got null");
    assertMessage(() -> TcpStore.connect(" ", 1, 0, TIMEOUT), "host must be", "got \" \"");
    assertMessage(() -> TcpStore.connect("localhost", 0, 1, TIMEOUT), "port must be in 1..65535", "got 0");
    assertMessage(() -> TcpStore.connect("localhost", 1, 1, Duration.ofSeconds(-1)), "timeout must be a positive",
        "got PT-1S");
    assertMessage(() -> TcpStore.connect("localhost", 1, 1, null), "timeout must be a positive", "got null");
    assertMessage(() -> host.get(null), "TcpStore.get: key must be a non-empty string", "got null");
    assertMessage(() -> host.get(""), "TcpStore.get: key must be a non-empty string", "got \"\"");
    assertMessage(() -> host.get("k", Duration.ofMillis(-5)), "TcpStore.get: timeout must be a positive duration",
        "got PT-0.005S");
    assertMessage(() -> host.set("k", null), "TcpStore.set: value must not be null", "key k");
    assertMessage(() -> host.set("", new byte[1]), "TcpStore.set: key must be a non-empty string", "got \"\"");
    assertMessage(() -> host.add(null, 1), "TcpStore.add: key must be", "got null");
    assertMessage(() -> host.delete(""), "TcpStore.delete: key must be", "got \"\"");
    assertMessage(() -> host.check(null), "TcpStore.check: keys must be a list", "got null");
    assertMessage(() -> host.await(List.of("a", ""), TIMEOUT), "TcpStore.await: key must be", "got \"\"");
    assertMessage(() -> host.await(List.of("a"), Duration.ZERO), "TcpStore.await: timeout must be", "got PT0S");
    assertMessage(() -> host.set("k".repeat(70_000), new byte[0]), "key must be at most 65536 UTF-8 bytes",
        "got 70000");
    // the store still works after rejected calls: none of them reached the connection
    host.set("k", utf8("v"));
    assertArrayEquals(utf8("v"), host.get("k"));
  }

  private static void assertMessage(org.junit.jupiter.api.function.Executable call, String... parts) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
    for (String p : parts) assertTrue(e.getMessage().contains(p), "\"" + p + "\" not in: " + e.getMessage());
  }

  @Test
  void roundTripsDoNotPoll() {
    // a guard on the design, not on the machine: none of the calls above may poll with sleeps, so a
    // burst of round trips on one connection takes milliseconds each, not tens of them
    TcpStore rank1 = client(1);
    assertTimeoutPreemptively(Duration.ofSeconds(5), () -> {
      for (int i = 0; i < 500; i++) {
        rank1.set("k" + i, utf8("v"));
        host.get("k" + i);
      }
    });
  }
}
