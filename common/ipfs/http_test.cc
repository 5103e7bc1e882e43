// http_test.cc: address parsing, auth, URL encoding, and the libcurl
// transport against an in-process loopback HTTP server.
#include "common/ipfs/http.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <thread>

#include <doctest/doctest.h>

namespace oneipfs {
namespace {

std::string Endpoint(std::string_view a) {
  auto r = ParseApiAddress(a);
  if (!r.ok()) return "ERR " + r.status().message();
  return r->unix_socket.empty() ? r->base_url : r->base_url + " @" + r->unix_socket;
}

bool Invalid(std::string_view a) {
  auto r = ParseApiAddress(a);
  return !r.ok() && r.status().code() == Status::Code::kInvalid;
}

}  // namespace

TEST_CASE("http: ParseApiAddress multiaddrs") {
  CHECK(Endpoint("/ip4/127.0.0.1/tcp/5001") == "http://127.0.0.1:5001");
  CHECK(Endpoint("/ip4/127.0.0.1/tcp/5001/") == "http://127.0.0.1:5001");
  CHECK(Endpoint("/ip4/10.1.2.3/tcp/45001/http") == "http://10.1.2.3:45001");
  CHECK(Endpoint("/ip4/10.1.2.3/tcp/443/https") == "https://10.1.2.3:443");
  CHECK(Endpoint("/ip4/10.1.2.3/tcp/443/tls/http") == "https://10.1.2.3:443");
  CHECK(Endpoint("/ip6/::1/tcp/5001") == "http://[::1]:5001");
  CHECK(Endpoint("/ip6/fe80::1/tcp/5001/http") == "http://[fe80::1]:5001");
  CHECK(Endpoint("/dns4/ipfs.example.org/tcp/5001") == "http://ipfs.example.org:5001");
  CHECK(Endpoint("/dns6/ipfs-host/tcp/5001") == "http://ipfs-host:5001");
  CHECK(Endpoint("/dns/front-end.local/tcp/5001/https") == "https://front-end.local:5001");
  CHECK(Endpoint("/unix/var/run/ipfs/api.sock") == "http://localhost @/var/run/ipfs/api.sock");
  CHECK(Endpoint("  /ip4/127.0.0.1/tcp/5001\n") == "http://127.0.0.1:5001");

  CHECK(Invalid(""));
  CHECK(Invalid("/ip4/127.0.0.1"));
  CHECK(Invalid("/ip4/127.0.0.1/tcp"));
  CHECK(Invalid("/ip4/127.0.0.1/udp/5001"));
  CHECK(Invalid("/ip4/127.0.0.1/tcp/0"));
  CHECK(Invalid("/ip4/127.0.0.1/tcp/65536"));
  CHECK(Invalid("/ip4/127.0.0.1/tcp/50x1"));
  CHECK(Invalid("/ip4/300.0.0.1/tcp/5001"));
  CHECK(Invalid("/ip4/localhost/tcp/5001"));
  CHECK(Invalid("/ip6/127.0.0.1/tcp/5001"));
  CHECK(Invalid("/dns4//tcp/5001"));
  CHECK(Invalid("/dns4/bad host/tcp/5001"));
  CHECK(Invalid("/ip4/127.0.0.1/tcp/5001/ws"));
  CHECK(Invalid("/ip4/127.0.0.1/tcp/5001/http/extra"));
  CHECK(Invalid("/quic/1.2.3.4/udp/1"));
  CHECK(Invalid("/unix/"));
  CHECK(Invalid("127.0.0.1:5001"));
  CHECK(Invalid("localhost"));
  auto r = ParseApiAddress("/ip4/127.0.0.1/udp/5001");
  CHECK(r.status().message().find("/ip4/127.0.0.1/udp/5001") != std::string::npos);
}

TEST_CASE("http: ParseApiAddress URLs") {
  CHECK(Endpoint("http://127.0.0.1:5001") == "http://127.0.0.1:5001");
  CHECK(Endpoint("http://127.0.0.1:5001/") == "http://127.0.0.1:5001");
  CHECK(Endpoint("HTTPS://ipfs.example.org") == "https://ipfs.example.org");
  CHECK(Endpoint("http://[::1]:5001") == "http://[::1]:5001");
  CHECK(Endpoint("http://host:5001/api/v0") == "http://host:5001");
  CHECK(Endpoint("https://proxy.example.org/ipfs-api/") == "https://proxy.example.org/ipfs-api");

  CHECK(Invalid("http://"));
  CHECK(Invalid("http://:5001"));
  CHECK(Invalid("http://host:0"));
  CHECK(Invalid("http://host:port"));
  CHECK(Invalid("http://user:pw@host:5001"));
  CHECK(Invalid("http://host:5001/?x=1"));
  CHECK(Invalid("http://[::1:5001"));
  CHECK(Invalid("http://[zz]:5001"));
  CHECK(Invalid("ftp://host:5001"));
}

TEST_CASE("http: AuthorizationHeader") {
  CHECK(AuthorizationHeader("") == "");
  CHECK(AuthorizationHeader("  \n") == "");
  CHECK(AuthorizationHeader("Bearer abc") == "Bearer abc");
  CHECK(AuthorizationHeader("Basic dXNlcjpwdw==") == "Basic dXNlcjpwdw==");
  CHECK(AuthorizationHeader("user:pw") == "Basic dXNlcjpwdw==");
  CHECK(AuthorizationHeader("Aladdin:open sesame") == "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==");
  CHECK(AuthorizationHeader("a:") == "Basic YTo=");
  CHECK(AuthorizationHeader("s3cret\n") == "Bearer s3cret");
}

TEST_CASE("http: UrlEncode") {
  CHECK(UrlEncode("") == "");
  CHECK(UrlEncode("AZaz09-_.~") == "AZaz09-_.~");
  CHECK(UrlEncode("/ipfs/bafy x") == "%2Fipfs%2Fbafy%20x");
  CHECK(UrlEncode("a+b&c=d?#%") == "a%2Bb%26c%3Dd%3F%23%25");
  CHECK(UrlEncode("\xc3\xa9") == "%C3%A9");
}

// ---------------------------------------------------------------------------
// The real transport against a loopback server.

namespace {

// Accepts one connection on 127.0.0.1, reads one request, writes a canned raw
// response (or nothing, to simulate a hung daemon) and closes.
class LoopbackServer {
 public:
  explicit LoopbackServer(std::string response, bool answer = true)
      : response_(std::move(response)), answer_(answer) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(fd_ >= 0);
    int one = 1;
    setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = 0;
    REQUIRE(bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    REQUIRE(listen(fd_, 4) == 0);
    socklen_t len = sizeof a;
    getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this] { Serve(); });
  }
  ~LoopbackServer() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
    close(fd_);
  }

  int port() const { return port_; }
  std::string address() const { return "/ip4/127.0.0.1/tcp/" + std::to_string(port_); }
  // Valid once the transport call returned (the thread is done reading).
  const std::string& head() {
    Join();
    return head_;
  }
  const std::string& body() {
    Join();
    return body_;
  }
  bool chunked() {
    Join();
    return chunked_;
  }

  std::string Header(const std::string& name_lower) {
    const std::string& h = head();
    std::size_t pos = 0;
    while ((pos = h.find("\r\n", pos)) != std::string::npos) {
      pos += 2;
      std::size_t colon = h.find(':', pos);
      std::size_t eol = h.find("\r\n", pos);
      if (colon == std::string::npos || eol == std::string::npos || colon > eol) continue;
      std::string name = h.substr(pos, colon - pos);
      for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      if (name == name_lower) {
        std::string v = h.substr(colon + 1, eol - colon - 1);
        while (!v.empty() && v.front() == ' ') v.erase(0, 1);
        return v;
      }
    }
    return "";
  }
  bool HasHeader(const std::string& name_lower) {
    const std::string& h = head();
    std::string lower = h;
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return lower.find("\r\n" + name_lower + ":") != std::string::npos;
  }

 private:
  void Join() {
    if (thread_.joinable() && answer_) thread_.join();
  }

  // Reads with a deadline; false on EOF, error or stop.
  bool ReadMore(int c, std::string& buf) {
    for (int waited = 0; waited < 10000 && !stop_; waited += 50) {
      pollfd p{c, POLLIN, 0};
      if (poll(&p, 1, 50) <= 0) continue;
      char tmp[65536];
      ssize_t n = recv(c, tmp, sizeof tmp, 0);
      if (n <= 0) return false;
      buf.append(tmp, static_cast<std::size_t>(n));
      return true;
    }
    return false;
  }

  void Serve() {
    int c = -1;
    while (!stop_) {
      pollfd p{fd_, POLLIN, 0};
      if (poll(&p, 1, 50) > 0) {
        c = accept(fd_, nullptr, nullptr);
        break;
      }
    }
    if (c < 0) return;
    std::string buf;
    std::size_t end;
    while ((end = buf.find("\r\n\r\n")) == std::string::npos)
      if (!ReadMore(c, buf)) break;
    if (end != std::string::npos) {
      head_ = buf.substr(0, end + 2);
      std::string rest = buf.substr(end + 4);
      std::string lower = head_;
      for (char& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      chunked_ = lower.find("transfer-encoding: chunked") != std::string::npos;
      if (chunked_) {
        // Decode chunks until the zero chunk and its blank line.
        std::string out;
        std::size_t pos = 0;
        for (;;) {
          std::size_t eol = rest.find("\r\n", pos);
          while (eol == std::string::npos) {
            if (!ReadMore(c, rest)) break;
            eol = rest.find("\r\n", pos);
          }
          if (eol == std::string::npos) break;
          std::size_t size = std::stoul(rest.substr(pos, eol - pos), nullptr, 16);
          while (rest.size() < eol + 2 + size + 2)
            if (!ReadMore(c, rest)) break;
          if (size == 0) break;
          out += rest.substr(eol + 2, size);
          pos = eol + 2 + size + 2;
        }
        body_ = out;
      } else {
        std::size_t cl_pos = lower.find("content-length:");
        std::size_t want = cl_pos == std::string::npos ? 0 : std::stoul(lower.substr(cl_pos + 15));
        while (rest.size() < want)
          if (!ReadMore(c, rest)) break;
        body_ = rest;
      }
    }
    if (answer_) {
      send(c, response_.data(), response_.size(), MSG_NOSIGNAL);
      shutdown(c, SHUT_WR);
      char tmp[256];
      for (int i = 0; i < 40 && recv(c, tmp, sizeof tmp, MSG_DONTWAIT) != 0; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    } else {
      while (!stop_) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    close(c);
  }

  std::string response_;
  bool answer_;
  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  std::string head_, body_;
  bool chunked_ = false;
};

std::unique_ptr<HttpTransport> TransportTo(const LoopbackServer& s, std::string secret = "") {
  auto ep = ParseApiAddress(s.address());
  REQUIRE(ep.ok());
  return MakeCurlTransport(*ep, std::move(secret));
}

const char* kChunkedWithTrailer =
    "HTTP/1.1 200 OK\r\n"
    "Content-Type: text/plain\r\n"
    "X-Content-Length: 100\r\n"
    "Trailer: X-Stream-Error\r\n"
    "Transfer-Encoding: chunked\r\n"
    "\r\n"
    "5\r\nhello\r\n"
    "6\r\n world\r\n"
    "0\r\n"
    "X-Stream-Error: failed to fetch block: context canceled\r\n"
    "\r\n";

}  // namespace

TEST_CASE("http: curl transport collects a body, sends POST, the query, no Origin") {
  LoopbackServer srv(
      "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 20\r\n\r\n{\"Version\":\"0.29.0\"}");
  auto t = TransportTo(srv);
  HttpRequest req;
  req.path = "/api/v0/files/stat";
  req.query = {{"arg", "/ipfs/bafy x&y"}, {"timeout", "30s"}};
  req.total_timeout = std::chrono::seconds(10);
  auto r = t->Post(req);
  REQUIRE(r.ok());
  CHECK(r->status == 200);
  CHECK(r->body == "{\"Version\":\"0.29.0\"}");
  CHECK(r->headers["content-type"] == "application/json");
  CHECK(r->stream_error.empty());
  CHECK(srv.head().rfind("POST /api/v0/files/stat?arg=%2Fipfs%2Fbafy%20x%26y&timeout=30s HTTP/1.1\r\n", 0) == 0);
  CHECK(!srv.HasHeader("origin"));
  CHECK(!srv.HasHeader("authorization"));
  CHECK(!srv.HasHeader("expect"));
  CHECK(!srv.HasHeader("content-type"));
  CHECK(srv.body().empty());
  CHECK(t->Describe() == "http://127.0.0.1:" + std::to_string(srv.port()));
}

TEST_CASE("http: curl transport sends Authorization when configured") {
  LoopbackServer srv("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}");
  auto t = TransportTo(srv, "user:pw");
  HttpRequest req;
  req.path = "/api/v0/version";
  REQUIRE(t->Post(req).ok());
  CHECK(srv.Header("authorization") == "Basic dXNlcjpwdw==");
}

TEST_CASE("http: curl transport streams a 2xx body and reports the trailer") {
  LoopbackServer srv(kChunkedWithTrailer);
  auto t = TransportTo(srv);
  HttpRequest req;
  req.path = "/api/v0/cat";
  req.query = {{"arg", "/ipfs/bafyx"}};
  std::string streamed;
  req.on_body = [&](std::string_view c) {
    streamed.append(c);
    return Status::Ok();
  };
  req.stall_timeout = std::chrono::seconds(5);
  auto r = t->Post(req);
  REQUIRE(r.ok());
  CHECK(r->status == 200);
  CHECK(streamed == "hello world");
  CHECK(r->body.empty());
  CHECK(r->headers["x-content-length"] == "100");
  CHECK(r->stream_error == "failed to fetch block: context canceled");
  CHECK(r->headers.count("x-stream-error") == 0);
}

TEST_CASE("http: curl transport collects the trailer without on_body too") {
  LoopbackServer srv(kChunkedWithTrailer);
  auto t = TransportTo(srv);
  HttpRequest req;
  req.path = "/api/v0/cat";
  auto r = t->Post(req);
  REQUIRE(r.ok());
  CHECK(r->body == "hello world");
  CHECK(r->stream_error == "failed to fetch block: context canceled");
}

TEST_CASE("http: curl transport reports the trailer of an empty chunked body") {
  LoopbackServer srv(
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: X-Stream-Error\r\n\r\n"
      "0\r\nX-Stream-Error: {\"Message\":\"Failed to cat file: request timed out\",\"Code\":0}\r\n\r\n");
  auto t = TransportTo(srv);
  HttpRequest req;
  req.path = "/api/v0/cat";
  bool called = false;
  req.on_body = [&](std::string_view) {
    called = true;
    return Status::Ok();
  };
  auto r = t->Post(req);
  REQUIRE(r.ok());
  CHECK(r->status == 200);
  CHECK(!called);
  CHECK(r->stream_error == "{\"Message\":\"Failed to cat file: request timed out\",\"Code\":0}");
}

TEST_CASE("http: curl transport collects a non-2xx body instead of streaming it") {
  LoopbackServer srv(
      "HTTP/1.1 500 Internal Server Error\r\nContent-Type: application/json\r\nContent-Length: 52\r\n\r\n"
      "{\"Message\":\"file does not exist\",\"Code\":0,\"Type\":\"\"}");
  auto t = TransportTo(srv);
  HttpRequest req;
  req.path = "/api/v0/cat";
  bool called = false;
  req.on_body = [&](std::string_view) {
    called = true;
    return Status::Ok();
  };
  auto r = t->Post(req);
  REQUIRE(r.ok());
  CHECK(r->status == 500);
  CHECK(!called);
  CHECK(r->body == "{\"Message\":\"file does not exist\",\"Code\":0,\"Type\":\"\"}");
}

TEST_CASE("http: curl transport returns the sink's own failure") {
  LoopbackServer srv(kChunkedWithTrailer);
  auto t = TransportTo(srv);
  HttpRequest req;
  req.path = "/api/v0/cat";
  req.on_body = [](std::string_view) { return Status::Io("disk full"); };
  auto r = t->Post(req);
  CHECK(r.status().code() == Status::Code::kIo);
  CHECK(r.status().message() == "disk full");
}

TEST_CASE("http: curl transport uploads a multipart file, chunked") {
  LoopbackServer srv(
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: X-Stream-Error\r\n\r\n"
      "29\r\n{\"Name\":\"disk image.qcow2\",\"Hash\":\"bafy\"}\r\n0\r\n\r\n");
  auto t = TransportTo(srv, "tok");
  std::string payload;
  for (int i = 0; i < 20000; ++i) payload += static_cast<char>('a' + i % 26);
  std::size_t pos = 0;
  HttpRequest req;
  req.path = "/api/v0/add";
  req.query = {{"pin", "false"}, {"progress", "true"}};
  req.upload_name = "disk image.qcow2";
  req.upload = [&](char* buf, std::size_t cap) -> Result<std::size_t> {
    std::size_t n = std::min<std::size_t>({cap, payload.size() - pos, 3000});
    std::copy_n(payload.data() + pos, n, buf);
    pos += n;
    return n;
  };
  std::string streamed;
  req.on_body = [&](std::string_view c) {
    streamed.append(c);
    return Status::Ok();
  };
  auto r = t->Post(req);
  REQUIRE(r.ok());
  CHECK(streamed == "{\"Name\":\"disk image.qcow2\",\"Hash\":\"bafy\"}");
  CHECK(r->stream_error.empty());
  CHECK(srv.head().rfind("POST /api/v0/add?pin=false&progress=true HTTP/1.1\r\n", 0) == 0);
  CHECK(srv.chunked());
  CHECK(srv.Header("authorization") == "Bearer tok");
  CHECK(!srv.HasHeader("origin"));
  CHECK(!srv.HasHeader("expect"));
  std::string ct = srv.Header("content-type");
  CHECK(ct.rfind("multipart/form-data; boundary=", 0) == 0);
  const std::string& body = srv.body();
  CHECK(body.find("Content-Disposition: form-data; name=\"file\"; filename=\"disk%20image.qcow2\"") !=
        std::string::npos);
  CHECK(body.find("Content-Type: application/octet-stream") != std::string::npos);
  std::size_t start = body.find("\r\n\r\n");
  REQUIRE(start != std::string::npos);
  CHECK(body.substr(start + 4, payload.size()) == payload);
  std::string boundary = ct.substr(ct.find('=') + 1);
  CHECK(body.find("\r\n--" + boundary + "--", start) == start + 4 + payload.size());
}

TEST_CASE("http: curl transport returns the upload source's failure") {
  LoopbackServer srv("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}");
  auto t = TransportTo(srv);
  HttpRequest req;
  req.path = "/api/v0/add";
  int calls = 0;
  req.upload = [&](char* buf, std::size_t cap) -> Result<std::size_t> {
    if (calls++ == 0) {
      buf[0] = 'x';
      return std::size_t{1};
    }
    return Status::Io("source broke");
  };
  auto r = t->Post(req);
  CHECK(r.status().code() == Status::Code::kIo);
  CHECK(r.status().message() == "source broke");
}

TEST_CASE("http: curl transport: connection refused is Unavailable") {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  socklen_t len = sizeof a;
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  int port = ntohs(a.sin_port);
  close(fd);  // bound, never listened: nothing there now

  auto ep = ParseApiAddress("/ip4/127.0.0.1/tcp/" + std::to_string(port));
  REQUIRE(ep.ok());
  auto t = MakeCurlTransport(*ep, "");
  HttpRequest req;
  req.path = "/api/v0/version";
  req.total_timeout = std::chrono::seconds(5);
  auto r = t->Post(req);
  CHECK(r.status().code() == Status::Code::kUnavailable);
  CHECK(!r.status().message().empty());
}

TEST_CASE("http: curl transport: a missing unix socket is Unavailable") {
  auto ep = ParseApiAddress("/unix/tmp/one-ipfs-test-no-such.sock");
  REQUIRE(ep.ok());
  auto t = MakeCurlTransport(*ep, "");
  CHECK(t->Describe() == "unix:/tmp/one-ipfs-test-no-such.sock");
  HttpRequest req;
  req.path = "/api/v0/version";
  auto r = t->Post(req);
  CHECK(r.status().code() == Status::Code::kUnavailable);
}

TEST_CASE("http: curl transport: a daemon that never answers is a Timeout") {
  SUBCASE("total timeout") {
    LoopbackServer srv("", /*answer=*/false);
    auto t = TransportTo(srv);
    HttpRequest req;
    req.path = "/api/v0/files/stat";
    req.total_timeout = std::chrono::seconds(1);
    auto start = std::chrono::steady_clock::now();
    auto r = t->Post(req);
    auto took = std::chrono::steady_clock::now() - start;
    CHECK(r.status().code() == Status::Code::kTimeout);
    CHECK(took < std::chrono::seconds(5));
  }
  SUBCASE("stall timeout") {
    LoopbackServer srv("", /*answer=*/false);
    auto t = TransportTo(srv);
    HttpRequest req;
    req.path = "/api/v0/cat";
    req.stall_timeout = std::chrono::seconds(1);
    req.on_body = [](std::string_view) { return Status::Ok(); };
    auto start = std::chrono::steady_clock::now();
    auto r = t->Post(req);
    auto took = std::chrono::steady_clock::now() - start;
    CHECK(r.status().code() == Status::Code::kTimeout);
    CHECK(took < std::chrono::seconds(5));
  }
}

}  // namespace oneipfs
