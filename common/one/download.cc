#include "common/one/download.h"

#include <curl/curl.h>

#include <fmt/format.h>

namespace oneipfs {
namespace {

struct GetState {
  const std::function<Status(std::string_view)>* sink = nullptr;
  const std::function<void(std::optional<std::uint64_t>)>* on_length = nullptr;
  Status sink_status;
  std::string* capture = nullptr;
  std::size_t capture_limit = 0;
  std::uint64_t received = 0;
  bool length_reported = false;
  CURL* curl = nullptr;
};

size_t OnWrite(char* data, size_t size, size_t n, void* user) {
  auto* s = static_cast<GetState*>(user);
  size_t len = size * n;
  if (!s->length_reported && s->on_length) {
    s->length_reported = true;
    curl_off_t cl = -1;
    curl_easy_getinfo(s->curl, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &cl);
    (*s->on_length)(cl >= 0 ? std::optional<std::uint64_t>(cl) : std::nullopt);
  }
  s->received += len;
  if (s->capture) {
    size_t room = s->capture_limit - s->capture->size();
    s->capture->append(data, std::min(room, len));
    return s->capture->size() >= s->capture_limit ? 0 : len;  // stop early: enough header
  }
  s->sink_status = (*s->sink)(std::string_view(data, len));
  return s->sink_status.ok() ? len : 0;
}

CURL* NewGet(std::string_view url, char* errbuf) {
  static const bool inited = [] { return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK; }();
  (void)inited;
  CURL* c = curl_easy_init();
  if (!c) return nullptr;
  curl_easy_setopt(c, CURLOPT_URL, std::string(url).c_str());
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(c, CURLOPT_MAXREDIRS, 10L);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
  curl_easy_setopt(c, CURLOPT_USERAGENT, "one-ipfs/" ONEIPFS_VERSION);
  // Only http(s), for the URL and for every redirect (a redirect to file://,
  // ftp://, scp://... would read what the front end can reach).
#if LIBCURL_VERSION_NUM >= 0x075500  // 7.85: the _STR forms (Debian 12 has 7.88)
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
#else
  curl_easy_setopt(c, CURLOPT_PROTOCOLS, static_cast<long>(CURLPROTO_HTTP | CURLPROTO_HTTPS));
  curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS, static_cast<long>(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
  return c;
}

Status CurlFailure(std::string_view url, CURLcode rc, const char* errbuf) {
  std::string why = errbuf[0] ? errbuf : curl_easy_strerror(rc);
  if (rc == CURLE_OPERATION_TIMEDOUT) return Status::Timeout(fmt::format("downloading {} timed out ({})", url, why));
  if (rc == CURLE_COULDNT_CONNECT || rc == CURLE_COULDNT_RESOLVE_HOST)
    return Status::Unavailable(fmt::format("cannot reach {} ({})", url, why));
  // The URL itself is http(s) (ClassifyPath): what is refused is where it redirects.
  if (rc == CURLE_UNSUPPORTED_PROTOCOL)
    return Status::Invalid(fmt::format("{} redirects to a URL that is not http(s), which is not followed ({})", url, why));
  return Status::Io(fmt::format("downloading {} failed ({})", url, why));
}

}  // namespace

Result<UrlProbe> ProbeUrl(std::string_view url, std::size_t header_bytes, std::chrono::seconds timeout) {
  char errbuf[CURL_ERROR_SIZE] = {0};
  UrlProbe probe;
  CURL* c = NewGet(url, errbuf);
  if (!c) return Status::Io("cannot initialise libcurl");
  curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
  curl_easy_setopt(c, CURLOPT_TIMEOUT, static_cast<long>(timeout.count()));
  CURLcode rc = curl_easy_perform(c);
  long code = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
  curl_off_t cl = -1;
  curl_easy_getinfo(c, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &cl);
  curl_easy_cleanup(c);
  if (rc != CURLE_OK) return CurlFailure(url, rc, errbuf);
  if (code >= 400) return Status::NotFound(fmt::format("{} answered HTTP {}", url, code));
  if (cl >= 0) probe.size = static_cast<std::uint64_t>(cl);

  c = NewGet(url, errbuf);
  if (!c) return Status::Io("cannot initialise libcurl");
  GetState st;
  st.capture = &probe.header;
  st.capture_limit = header_bytes;
  st.curl = c;
  std::string range = fmt::format("0-{}", header_bytes - 1);
  curl_easy_setopt(c, CURLOPT_RANGE, range.c_str());
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, OnWrite);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &st);
  curl_easy_setopt(c, CURLOPT_TIMEOUT, static_cast<long>(timeout.count()));
  rc = curl_easy_perform(c);
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
  curl_easy_cleanup(c);
  if (rc != CURLE_OK && !(rc == CURLE_WRITE_ERROR && probe.header.size() >= header_bytes))
    return CurlFailure(url, rc, errbuf);
  if (code >= 400) return Status::NotFound(fmt::format("{} answered HTTP {}", url, code));
  return probe;
}

Status DownloadUrl(std::string_view url, const std::function<Status(std::string_view)>& sink,
                   std::chrono::seconds stall, const std::function<void(std::optional<std::uint64_t>)>& on_length) {
  char errbuf[CURL_ERROR_SIZE] = {0};
  CURL* c = NewGet(url, errbuf);
  if (!c) return Status::Io("cannot initialise libcurl");
  GetState st;
  st.sink = &sink;
  st.on_length = on_length ? &on_length : nullptr;
  st.curl = c;
  curl_easy_setopt(c, CURLOPT_FAILONERROR, 1L);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, OnWrite);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &st);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 30L);
  curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, static_cast<long>(stall.count()));
  CURLcode rc = curl_easy_perform(c);
  long code = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
  curl_off_t cl = -1;
  curl_easy_getinfo(c, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &cl);
  curl_easy_cleanup(c);
  if (rc == CURLE_WRITE_ERROR && !st.sink_status.ok()) return st.sink_status;
  if (rc == CURLE_HTTP_RETURNED_ERROR) return Status::NotFound(fmt::format("{} answered HTTP {}", url, code));
  if (rc != CURLE_OK) return CurlFailure(url, rc, errbuf);
  if (cl >= 0 && st.received != static_cast<std::uint64_t>(cl))
    return Status::Io(fmt::format("download of {} ended after {} of {} bytes", url, st.received, cl));
  return Status::Ok();
}

}  // namespace oneipfs
