// http.cc: API address parsing and the libcurl HttpTransport (see http.h).
#include "common/ipfs/http.h"

#include <arpa/inet.h>
#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <mutex>

#include <fmt/format.h>

#include "common/base/number.h"
#include "common/base/text.h"

namespace oneipfs {
namespace {

constexpr std::size_t kMaxErrorBody = 1 << 20;  // a non-2xx body is a message, not data

bool ValidPort(std::string_view p) {
  return ParseCount(p, 65535).value_or(0) > 0;
}

bool ValidHostName(std::string_view h) {
  if (h.empty() || h.size() > 253) return false;
  return std::all_of(h.begin(), h.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_';
  });
}

std::string Base64(std::string_view in) {
  static const char* t = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    unsigned v = (static_cast<unsigned char>(in[i]) << 16) | (static_cast<unsigned char>(in[i + 1]) << 8) |
                 static_cast<unsigned char>(in[i + 2]);
    out += t[(v >> 18) & 63];
    out += t[(v >> 12) & 63];
    out += t[(v >> 6) & 63];
    out += t[v & 63];
  }
  if (i + 1 == in.size()) {
    unsigned v = static_cast<unsigned char>(in[i]) << 16;
    out += t[(v >> 18) & 63];
    out += t[(v >> 12) & 63];
    out += "==";
  } else if (i + 2 == in.size()) {
    unsigned v = (static_cast<unsigned char>(in[i]) << 16) | (static_cast<unsigned char>(in[i + 1]) << 8);
    out += t[(v >> 18) & 63];
    out += t[(v >> 12) & 63];
    out += t[(v >> 6) & 63];
    out += '=';
  }
  return out;
}

// ---------------------------------------------------------------------------
// libcurl callbacks.

struct CallState {
  const HttpRequest* req = nullptr;
  HttpResponse* resp = nullptr;
  CURL* curl = nullptr;
  bool headers_done = false;     // the final header block ended: later header lines are trailers
  bool callback_failed = false;  // a callback aborted the transfer with callback_status
  Status callback_status;
};

bool Is2xx(long code) { return code >= 200 && code < 300; }

size_t OnHeaderLine(char* data, size_t size, size_t n, CallState* s);

size_t OnHeader(char* data, size_t size, size_t n, void* user) {
  try {
    return OnHeaderLine(data, size, n, static_cast<CallState*>(user));
  } catch (const std::exception&) {  // never unwind through libcurl
    return 0;
  }
}

size_t OnHeaderLine(char* data, size_t size, size_t n, CallState* s) {
  const size_t len = size * n;
  std::string_view line(data, len);
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
  if (!s->headers_done && line.rfind("HTTP/", 0) == 0) {  // a status line (a 1xx one is followed by another)
    s->resp->headers.clear();
    return len;
  }
  if (line.empty()) {  // end of a header block
    if (!s->headers_done) {
      long code = 0;
      curl_easy_getinfo(s->curl, CURLINFO_RESPONSE_CODE, &code);
      if (code >= 200) {
        s->headers_done = true;
        s->resp->status = code;
      }
    }
    return len;
  }
  std::size_t colon = line.find(':');
  if (colon == std::string_view::npos) return len;
  std::string name = Lower(Trim(line.substr(0, colon)));
  std::string value(Trim(line.substr(colon + 1)));
  if (name == "x-stream-error") {
    // Normally a trailer (after the body). Taken from the header block too
    // when it carries a value: an error is never to be ignored.
    if (!value.empty()) s->resp->stream_error = value;
    if (s->headers_done) return len;
  }
  if (s->headers_done) return len;  // other trailers: not part of the contract
  auto [it, inserted] = s->resp->headers.emplace(name, value);
  if (!inserted) it->second += ", " + value;
  return len;
}

size_t OnWrite(char* data, size_t size, size_t n, void* user) {
  auto* s = static_cast<CallState*>(user);
  const size_t len = size * n;
  if (s->resp->status == 0) curl_easy_getinfo(s->curl, CURLINFO_RESPONSE_CODE, &s->resp->status);
  if (Is2xx(s->resp->status)) {
    if (s->req->on_body) {
      Status st;
      try {
        st = s->req->on_body(std::string_view(data, len));
      } catch (const std::exception& e) {  // never unwind through libcurl
        st = Status::Io(fmt::format("reading the reply failed: {}", e.what()));
      }
      if (!st.ok()) {
        s->callback_failed = true;
        s->callback_status = std::move(st);
        return 0;  // CURLE_WRITE_ERROR
      }
      return len;
    }
    try {
      s->resp->body.append(data, len);
    } catch (const std::exception&) {
      s->callback_failed = true;
      s->callback_status = Status::Io("out of memory while reading the reply");
      return 0;
    }
    return len;
  }
  if (s->resp->body.size() < kMaxErrorBody)
    s->resp->body.append(data, std::min(len, kMaxErrorBody - s->resp->body.size()));
  return len;
}

size_t OnRead(char* buf, size_t size, size_t n, void* user) {
  auto* s = static_cast<CallState*>(user);
  const size_t cap = size * n;
  Result<std::size_t> got = Status::Io("no upload source");
  try {
    if (s->req->upload) got = s->req->upload(buf, cap);
  } catch (const std::exception& e) {  // never unwind through libcurl
    got = Status::Io(fmt::format("reading the upload failed: {}", e.what()));
  }
  if (!got.ok()) {
    s->callback_failed = true;
    s->callback_status = got.status();
    return CURL_READFUNC_ABORT;
  }
  if (*got > cap) {
    s->callback_failed = true;
    s->callback_status = Status::Io(fmt::format("upload source returned {} bytes for a {}-byte buffer", *got, cap));
    return CURL_READFUNC_ABORT;
  }
  return *got;
}

// Frees what a request allocated, whatever path Post() leaves by.
struct CurlRequestGuard {
  CURL* curl = nullptr;
  curl_slist* headers = nullptr;
  curl_mime* mime = nullptr;
  ~CurlRequestGuard() {
    if (mime) curl_mime_free(mime);
    if (headers) curl_slist_free_all(headers);
    if (curl) curl_easy_cleanup(curl);
  }
};

class CurlTransport : public HttpTransport {
 public:
  CurlTransport(ApiEndpoint ep, std::string secret) : ep_(std::move(ep)), auth_(AuthorizationHeader(secret)) {
    static std::once_flag once;
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  }

  std::string Describe() const override {
    return ep_.unix_socket.empty() ? ep_.base_url : "unix:" + ep_.unix_socket;
  }

  Result<HttpResponse> Post(const HttpRequest& req) override {
    try {
      return DoPost(req);
    } catch (const std::exception& e) {  // bad_alloc, or an exception thrown by a callback
      return Status::Io(fmt::format("HTTP request to {} failed: {}", Describe(), e.what()));
    }
  }

 private:
  Result<HttpResponse> DoPost(const HttpRequest& req) {
    CurlRequestGuard g;
    g.curl = curl_easy_init();
    if (!g.curl) return Status::Io("cannot initialise libcurl");
    CURL* c = g.curl;

    HttpResponse resp;
    CallState st;
    st.req = &req;
    st.resp = &resp;
    st.curl = c;

    std::string url = ep_.base_url + req.path;
    char sep = '?';
    for (const auto& [k, v] : req.query) {
      url += sep;
      url += UrlEncode(k);
      url += '=';
      url += UrlEncode(v);
      sep = '&';
    }

    char errbuf[CURL_ERROR_SIZE];
    errbuf[0] = '\0';
    curl_easy_setopt(c, CURLOPT_URL, url.c_str());
    curl_easy_setopt(c, CURLOPT_POST, 1L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, OnHeader);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &st);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, OnWrite);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &st);
    curl_easy_setopt(c, CURLOPT_PROXY, "");  // the API is never reached through http_proxy
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 10L);
    curl_easy_setopt(c, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(c, CURLOPT_BUFFERSIZE, 256L * 1024);
    curl_easy_setopt(c, CURLOPT_UPLOAD_BUFFERSIZE, 512L * 1024);
    if (!ep_.unix_socket.empty()) curl_easy_setopt(c, CURLOPT_UNIX_SOCKET_PATH, ep_.unix_socket.c_str());
    if (req.total_timeout.count() > 0)
      curl_easy_setopt(c, CURLOPT_TIMEOUT, static_cast<long>(req.total_timeout.count()));
    if (req.stall_timeout.count() > 0) {
      curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
      curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, static_cast<long>(req.stall_timeout.count()));
    }

    g.headers = curl_slist_append(g.headers, "Expect:");  // no 100-continue round trip
    std::string auth_line;
    if (!auth_.empty()) {
      auth_line = "Authorization: " + auth_;
      g.headers = curl_slist_append(g.headers, auth_line.c_str());
    }

    std::string filename;
    if (req.upload) {
      // Both kubo and js-ipfs URL-decode the part's filename.
      filename = UrlEncode(req.upload_name.empty() ? std::string("file") : req.upload_name);
      g.mime = curl_mime_init(c);
      curl_mimepart* part = curl_mime_addpart(g.mime);
      curl_mime_name(part, "file");
      curl_mime_filename(part, filename.c_str());
      curl_mime_type(part, "application/octet-stream");
      curl_mime_data_cb(part, -1, OnRead, nullptr, nullptr, &st);  // unknown size: chunked
      curl_easy_setopt(c, CURLOPT_MIMEPOST, g.mime);
    } else {
      curl_easy_setopt(c, CURLOPT_POSTFIELDS, "");
      curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, 0L);
      g.headers = curl_slist_append(g.headers, "Content-Type:");  // no form type for an empty body
    }
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, g.headers);

    CURLcode rc = curl_easy_perform(c);
    if (resp.status == 0) curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &resp.status);

    if (st.callback_failed) return st.callback_status;
    if (rc == CURLE_OK) return resp;
    std::string why = errbuf[0] ? std::string(errbuf) : std::string(curl_easy_strerror(rc));
    switch (rc) {
      case CURLE_COULDNT_CONNECT:
      case CURLE_COULDNT_RESOLVE_HOST:
      case CURLE_COULDNT_RESOLVE_PROXY:
        return Status::Unavailable(why);
      case CURLE_OPERATION_TIMEDOUT: {
        curl_off_t connect_us = 0;
        curl_easy_getinfo(c, CURLINFO_CONNECT_TIME_T, &connect_us);
        if (connect_us == 0) return Status::Unavailable(why);  // never connected
        return Status::Timeout(why);
      }
      case CURLE_SEND_ERROR:
      case CURLE_RECV_ERROR:
      case CURLE_PARTIAL_FILE:
        // The daemon may answer an error and close while we still upload:
        // its message says more than the broken pipe.
        if (resp.status >= 300 && !resp.body.empty()) return resp;
        return Status::Io(why);
      default:
        return Status::Io(why);
    }
  }

  ApiEndpoint ep_;
  std::string auth_;
};

}  // namespace

std::string UrlEncode(std::string_view s) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size());
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

std::string AuthorizationHeader(std::string_view secret) {
  std::string_view s = Trim(secret);
  if (s.empty()) return "";
  if (StartsWithNoCase(s, "Bearer ") || StartsWithNoCase(s, "Basic ")) return std::string(s);
  if (s.find(':') != std::string_view::npos) return "Basic " + Base64(s);
  return "Bearer " + std::string(s);
}

Result<ApiEndpoint> ParseApiAddress(std::string_view address) {
  const std::string a(Trim(address));
  auto bad = [&](std::string_view why) -> Status {
    return Status::Invalid(fmt::format("'{}' is not an IPFS API address ({}); use a multiaddr such as "
                                       "/ip4/127.0.0.1/tcp/5001 or a URL such as http://127.0.0.1:5001",
                                       a, why));
  };
  if (a.empty()) return bad("empty");

  if (StartsWithNoCase(a, "http://") || StartsWithNoCase(a, "https://")) {
    std::size_t scheme_end = a.find("://");
    std::string scheme = Lower(a.substr(0, scheme_end));
    std::string rest = a.substr(scheme_end + 3);
    if (rest.find_first_of(" \t?#") != std::string::npos) return bad("a URL with a query, fragment or space");
    std::size_t slash = rest.find('/');
    std::string authority = rest.substr(0, slash);
    std::string path = slash == std::string::npos ? "" : rest.substr(slash);
    if (authority.find('@') != std::string::npos) return bad("credentials belong in the API auth setting, not the URL");
    std::string host = authority, port;
    if (!authority.empty() && authority[0] == '[') {
      std::size_t close = authority.find(']');
      if (close == std::string::npos) return bad("unterminated IPv6 address");
      host = authority.substr(0, close + 1);
      std::string after = authority.substr(close + 1);
      if (!after.empty()) {
        if (after[0] != ':') return bad("junk after the IPv6 address");
        port = after.substr(1);
        if (!ValidPort(port)) return bad("invalid port");
      }
      in6_addr a6{};
      if (inet_pton(AF_INET6, host.substr(1, host.size() - 2).c_str(), &a6) != 1) return bad("invalid IPv6 address");
    } else {
      std::size_t colon = authority.rfind(':');
      if (colon != std::string::npos) {
        host = authority.substr(0, colon);
        port = authority.substr(colon + 1);
        if (!ValidPort(port)) return bad("invalid port");
      }
      if (!ValidHostName(host)) return bad("invalid host");
    }
    while (!path.empty() && path.back() == '/') path.pop_back();
    if (path.size() >= 7 && path.compare(path.size() - 7, 7, "/api/v0") == 0) path.resize(path.size() - 7);
    return ApiEndpoint{scheme + "://" + host + (port.empty() ? "" : ":" + port) + path, ""};
  }

  if (a[0] != '/') return bad("neither a multiaddr nor an http(s) URL");
  if (a.rfind("/unix/", 0) == 0) {
    std::string path = a.substr(5);  // keeps the leading '/'
    while (path.size() > 1 && path.back() == '/') path.pop_back();
    if (path.size() < 2) return bad("no socket path");
    return ApiEndpoint{"http://localhost", path};
  }

  std::string m = a;
  while (m.size() > 1 && m.back() == '/') m.pop_back();
  auto parts = Split(std::string_view(m).substr(1), '/');
  if (parts.size() < 4) return bad("expected /ip4|ip6|dns|dns4|dns6/<host>/tcp/<port>");
  const std::string& proto = parts[0];
  std::string host = parts[1];
  if (proto == "ip4") {
    in_addr a4{};
    if (inet_pton(AF_INET, host.c_str(), &a4) != 1) return bad("invalid IPv4 address " + host);
  } else if (proto == "ip6") {
    in6_addr a6{};
    if (inet_pton(AF_INET6, host.c_str(), &a6) != 1) return bad("invalid IPv6 address " + host);
    host = "[" + host + "]";
  } else if (proto == "dns" || proto == "dns4" || proto == "dns6") {
    if (!ValidHostName(host)) return bad("invalid host name " + host);
  } else {
    return bad("unknown protocol /" + proto);
  }
  if (parts[2] != "tcp") return bad("expected /tcp/<port> after the host");
  if (!ValidPort(parts[3])) return bad("invalid port " + parts[3]);
  std::string scheme = "http";
  std::vector<std::string> tail(parts.begin() + 4, parts.end());
  if (tail == std::vector<std::string>{"https"} || tail == std::vector<std::string>{"tls", "http"}) {
    scheme = "https";
  } else if (!tail.empty() && tail != std::vector<std::string>{"http"}) {
    return bad("unexpected trailing components");
  }
  return ApiEndpoint{fmt::format("{}://{}:{}", scheme, host, parts[3]), ""};
}

std::unique_ptr<HttpTransport> MakeCurlTransport(ApiEndpoint endpoint, std::string auth_secret) {
  return std::make_unique<CurlTransport>(std::move(endpoint), std::move(auth_secret));
}

}  // namespace oneipfs
