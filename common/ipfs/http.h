// http.h: the HTTP transport seam under the IPFS RPC client.
//
// The client (ipfs.h) speaks to the daemon only through HttpTransport::Post,
// so unit tests replace the daemon with canned replies (FakeTransport in
// tests) while production uses libcurl (MakeCurlTransport).
//
// Contract of Post():
//  - Sends POST <base><path>?<query> with no body, or with one multipart/form-
//    data part named "file" whose bytes are pulled from `upload` until it
//    returns 0 (EOF). An upload callback returning an error aborts the request
//    and Post returns that error.
//  - Never sends an Origin header. Sends `Authorization: <auth>` when the
//    transport was built with a non-empty auth value.
//  - When `on_body` is set, body bytes are handed to it as they arrive and
//    HttpResponse::body stays empty; a non-ok Status from on_body aborts the
//    transfer and Post returns it. For a non-2xx status the body is always
//    collected in HttpResponse::body instead (it holds the error message).
//  - Trailers: a chunked response's `X-Stream-Error` trailer is returned in
//    HttpResponse::stream_error (empty when absent). Post does not interpret
//    status codes or trailers; the client does.
//  - Timeouts: `total_timeout` bounds the whole request; `stall_timeout`
//    aborts when fewer than 1 byte/s moves for that long. Zero = no limit.
//    Expiry returns Status::Timeout; a refused/unresolvable connection
//    returns Status::Unavailable; other transport failures Status::Io.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/base/status.h"

namespace oneipfs {

struct HttpRequest {
  std::string path;                                        // e.g. "/api/v0/cat"
  std::vector<std::pair<std::string, std::string>> query;  // repeated keys allowed; values are URL-encoded by the transport
  // Multipart upload source: fill up to `cap` bytes into `buf`, return the
  // count, 0 at EOF, or an error to abort.
  std::function<Result<std::size_t>(char* buf, std::size_t cap)> upload;
  std::string upload_name = "file";                        // filename of the part
  std::function<Status(std::string_view chunk)> on_body;   // streaming sink (2xx only)
  std::chrono::seconds total_timeout{0};
  std::chrono::seconds stall_timeout{0};
};

struct HttpResponse {
  long status = 0;
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;                            // when not streamed, or non-2xx
  std::string stream_error;                    // X-Stream-Error trailer value
};

class HttpTransport {
 public:
  virtual ~HttpTransport() = default;
  virtual Result<HttpResponse> Post(const HttpRequest& request) = 0;
  // Human-readable address for error messages, e.g. "http://127.0.0.1:5001".
  virtual std::string Describe() const = 0;
};

// Where the API listens: a base URL, or a unix socket plus a base URL.
struct ApiEndpoint {
  std::string base_url;     // "http://127.0.0.1:5001" (no trailing slash)
  std::string unix_socket;  // non-empty for /unix/... multiaddrs
};

// Accepts a multiaddr (/ip4/A/tcp/P, /ip6/A/tcp/P, /dns4|dns6|dns/H/tcp/P,
// optionally followed by /http or /https, and /unix/<path>) or an
// http(s):// URL. Anything else is Status::Invalid with the reason.
Result<ApiEndpoint> ParseApiAddress(std::string_view address);

// The value for the Authorization header from the configured secret:
// "Bearer x" / "Basic x" pass through; "user:password" becomes Basic; any
// other non-empty value is sent as "Bearer <value>"; empty means no header.
std::string AuthorizationHeader(std::string_view secret);

// Percent-encodes a query value (RFC 3986 unreserved characters kept).
std::string UrlEncode(std::string_view s);

std::unique_ptr<HttpTransport> MakeCurlTransport(ApiEndpoint endpoint, std::string auth_secret);

}  // namespace oneipfs
