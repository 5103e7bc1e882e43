#include "common/ipfs/pipe_bridge.h"

#include <doctest/doctest.h>

#include <string>

namespace oneipfs {

namespace {
std::string Drain(ByteSource src, Status* err) {
  std::string out;
  char buf[1000];
  for (;;) {
    auto n = src(buf, sizeof(buf));
    if (!n.ok()) {
      *err = n.status();
      return out;
    }
    if (*n == 0) return out;
    out.append(buf, *n);
  }
}
}  // namespace

TEST_CASE("pipe_bridge: bytes arrive in order and EOF follows a clean end") {
  std::string expected;
  for (int i = 0; i < 20000; ++i) expected += std::to_string(i) + ",";
  PipeBridge b([&](const ByteSink& sink) {
    for (size_t i = 0; i < expected.size(); i += 333) RETURN_IF_ERROR(sink(std::string_view(expected).substr(i, 333)));
    return Status::Ok();
  });
  Status err;
  CHECK(Drain(b.source(), &err) == expected);
  CHECK(err.ok());
  CHECK(b.Finish().ok());
}

TEST_CASE("pipe_bridge: a producer failure is an error, never a clean EOF") {
  PipeBridge b([](const ByteSink& sink) {
    RETURN_IF_ERROR(sink("partial data"));
    return Status::Io("download broke");
  });
  Status err;
  CHECK(Drain(b.source(), &err) == "partial data");
  CHECK(err.message() == "download broke");
  CHECK(b.Finish().message() == "download broke");
}

TEST_CASE("pipe_bridge: a consumer that stops early does not hang the producer") {
  PipeBridge b([](const ByteSink& sink) {
    std::string block(1 << 16, 'x');
    for (int i = 0; i < 1000; ++i) RETURN_IF_ERROR(sink(block));  // 64 MiB, far more than a pipe holds
    return Status::Ok();
  });
  char buf[10];
  CHECK(b.source()(buf, sizeof(buf)).ok());
  Status st = b.Finish();
  CHECK_FALSE(st.ok());
}

}  // namespace oneipfs
