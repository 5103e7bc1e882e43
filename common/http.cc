#include "common/http.h"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <mutex>

#include <fmt/format.h>

#include "common/action.h"

namespace oneipfs {
namespace {

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::vector<std::string> Split(std::string_view s, char sep) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i <= s.size()) {
    size_t j = s.find(sep, i);
    if (j == std::string_view::npos) j = s.size();
    out.emplace_back(s.substr(i, j - i));
    i = j + 1;
  }
  return out;
}

bool ValidPort(const std::string& p) {
  if (p.empty() || p.size() > 5 || !std::all_of(p.begin(), p.end(), ::isdigit)) return false;
  int n = std::stoi(p);
  return n > 0 && n < 65536;
}

struct CallState {
  const HttpRequest* req = nullptr;
  HttpResponse* resp = nullptr;
  bool body_done = false;   // first body byte seen: later headers are trailers
  Status callback_status;   // why a callback aborted
  CURL* curl = nullptr;
};

size_t OnHeader(char* data, size_t size, size_t n, void* user) {
  auto* s = static_cast<CallState*>(user);
  size_t len = size * n;
  std::string_view line(data, len);
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
  if (line.rfind("HTTP/", 0) == 0) {  // a new status line (e.g. after 100 Continue)
    s->resp->headers.clear();
    return len;
  }
  size_t colon = line.find(':');
  if (colon == std::string_view::npos) return len;
  std::string name = Lower(std::string(line.substr(0, colon)));
  std::string_view value = line.substr(colon + 1);
  while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  if (name == "x-stream-error") {
    if (s->body_done || !value.empty()) s->resp->stream_error = std::string(value);
    if (!s->body_done) s->resp->headers[name] = std::string(value);
    return len;
  }
  if (!s->body_done) s->resp->headers[name] = std::string(value);
  return len;
}

size_t OnWrite(char* data, size_t size, size_t n, void* user) {
  auto* s = static_cast<CallState*>(user);
  size_t len = size * n;
  if (!s->body_done) {
    s->body_done = true;
    curl_easy_getinfo(s->curl, CURLINFO_RESPONSE_CODE, &s->resp->status);
  }
  bool ok2xx = s->resp->status >= 200 && s->resp->status < 300;
  if (s->req->on_body && ok2xx) {
    s->callback_status = s->req->on_body(std::string_view(data, len));
    return s->callback_status.ok() ? len : 0;
  }
  if (s->resp->body.size() < (64u << 20)) s->resp->body.append(data, len);
  return len;
}

size_t OnRead(char* buf, size_t size, size_t n, void* user) {
  auto* s = static_cast<CallState*>(user);
  auto got = s->req->upload(buf, size * n);
  if (!got.ok()) {
    s->callback_status = got.status();
    return CURL_READFUNC_ABORT;
  }
  return *got;
}

class CurlTransport : public HttpTransport {
 public:
  CurlTransport(ApiEndpoint ep, std::string auth) : ep_(std::move(ep)), auth_(AuthorizationHeader(auth)) {
    static std::once_flag once;
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  }

  std::string Describe() const override {
    return ep_.unix_socket.empty() ? ep_.base_url : fmt::format("unix:{}", ep_.unix_socket);
  }

  Result<HttpResponse> Post(const HttpRequest& req) override {
    CURL* c = curl_easy_init();
    if (!c) return Status::Io("cannot initialise libcurl");
    HttpResponse resp;
    CallState st;
    st.req = &req;
    st.resp = &resp;
    st.curl = c;

    std::string url = ep_.base_url + req.path;
    char sep = '?';
    for (const auto& [k, v] : req.query) {
      url += sep;
      url += UrlEncode(k) + "=" + UrlEncode(v);
      sep = '&';
    }
    char errbuf[CURL_ERROR_SIZE] = {0};
    curl_easy_setopt(c, CURLOPT_URL, url.c_str());
    curl_easy_setopt(c, CURLOPT_POST, 1L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, OnHeader);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &st);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, OnWrite);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &st);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 10L);
    if (!ep_.unix_socket.empty()) curl_easy_setopt(c, CURLOPT_UNIX_SOCKET_PATH, ep_.unix_socket.c_str());
    if (req.total_timeout.count() > 0) curl_easy_setopt(c, CURLOPT_TIMEOUT, static_cast<long>(req.total_timeout.count()));
    if (req.stall_timeout.count() > 0) {
      curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
      curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, static_cast<long>(req.stall_timeout.count()));
    }
    struct curl_slist* headers = nullptr;
    headers = curl_slist_append(headers, "Expect:");
    std::string auth_line;
    if (!auth_.empty()) {
      auth_line = "Authorization: " + auth_;
      headers = curl_slist_append(headers, auth_line.c_str());
    }
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);

    curl_mime* mime = nullptr;
    if (req.upload) {
      mime = curl_mime_init(c);
      curl_mimepart* part = curl_mime_addpart(mime);
      curl_mime_name(part, "file");
      curl_mime_filename(part, req.upload_name.c_str());
      curl_mime_type(part, "application/octet-stream");
      curl_mime_data_cb(part, -1, OnRead, nullptr, nullptr, &st);
      curl_easy_setopt(c, CURLOPT_MIMEPOST, mime);
    } else {
      curl_easy_setopt(c, CURLOPT_POSTFIELDS, "");
      curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, 0L);
    }

    CURLcode rc = curl_easy_perform(c);
    if (!st.body_done) curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &resp.status);
    if (mime) curl_mime_free(mime);
    curl_slist_free_all(headers);
    curl_easy_cleanup(c);

    if (!st.callback_status.ok()) return st.callback_status;
    if (rc == CURLE_OK) return resp;
    std::string why = errbuf[0] ? errbuf : curl_easy_strerror(rc);
    switch (rc) {
      case CURLE_COULDNT_CONNECT:
      case CURLE_COULDNT_RESOLVE_HOST:
      case CURLE_COULDNT_RESOLVE_PROXY:
        return Status::Unavailable(why);
      case CURLE_OPERATION_TIMEDOUT:
        return Status::Timeout(why);
      default:
        return Status::Io(why);
    }
  }

 private:
  ApiEndpoint ep_;
  std::string auth_;
};

}  // namespace

std::string UrlEncode(std::string_view s) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
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
  std::string s(secret);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
  if (s.empty()) return "";
  if (s.rfind("Bearer ", 0) == 0 || s.rfind("Basic ", 0) == 0) return s;
  if (s.find(':') != std::string::npos) return "Basic " + Base64Encode(s);
  return "Bearer " + s;
}

Result<ApiEndpoint> ParseApiAddress(std::string_view address) {
  std::string a(address);
  auto bad = [&](std::string_view why) {
    return Status::Invalid(fmt::format("'{}' is not an IPFS API address ({}); use a multiaddr such as "
                                       "/ip4/127.0.0.1/tcp/5001 or a URL such as http://127.0.0.1:5001",
                                       a, why));
  };
  if (a.empty()) return bad("empty");
  if (a.rfind("http://", 0) == 0 || a.rfind("https://", 0) == 0) {
    std::string url = a;
    while (url.size() > 8 && url.back() == '/') url.pop_back();
    size_t host_start = url.find("://") + 3;
    if (host_start >= url.size()) return bad("no host");
    if (url.find('/', host_start) != std::string::npos) return bad("a URL must not have a path");
    return ApiEndpoint{url, ""};
  }
  if (a[0] != '/') return bad("not a multiaddr or URL");
  if (a.rfind("/unix/", 0) == 0) {
    std::string path = a.substr(5);
    if (path.size() < 2) return bad("no socket path");
    return ApiEndpoint{"http://localhost", path};
  }
  auto parts = Split(a.substr(1), '/');
  if (parts.size() < 4) return bad("expected /<proto>/<host>/tcp/<port>");
  const std::string& proto = parts[0];
  std::string host = parts[1];
  if (proto == "ip6") host = "[" + host + "]";
  else if (proto != "ip4" && proto != "dns" && proto != "dns4" && proto != "dns6") return bad("unknown protocol " + proto);
  if (host.empty() || host == "[]") return bad("no host");
  if (parts[2] != "tcp" || !ValidPort(parts[3])) return bad("expected /tcp/<port>");
  std::string scheme = "http";
  if (parts.size() >= 5) {
    if (parts[4] == "https" || parts[4] == "tls") scheme = "https";
    else if (parts[4] != "http") return bad("unexpected /" + parts[4]);
    if (parts.size() > 5 && !(parts.size() == 6 && parts[4] == "tls" && parts[5] == "http"))
      return bad("unexpected trailing components");
  }
  return ApiEndpoint{fmt::format("{}://{}:{}", scheme, host, parts[3]), ""};
}

std::unique_ptr<HttpTransport> MakeCurlTransport(ApiEndpoint endpoint, std::string auth_secret) {
  return std::make_unique<CurlTransport>(std::move(endpoint), std::move(auth_secret));
}

}  // namespace oneipfs
