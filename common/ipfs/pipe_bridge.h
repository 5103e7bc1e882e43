// pipe_bridge.h: connect a push-style producer (it calls a sink with chunks:
// IpfsClient::Cat, an ssh command's stdout, a URL download) to a pull-style
// consumer (it asks a ByteSource for bytes: IpfsClient::Add, an ssh command's
// stdin) through a pipe, with the producer on its own thread. Memory stays
// bounded by the pipe buffer.
//
// The consumer sees EOF only when the producer finished successfully; a
// producer failure becomes an error from the source, so the consumer never
// mistakes a truncated stream for a complete one. Finish() joins the thread
// and returns the producer's status; if the consumer stopped early the
// producer's writes fail and it ends too (no deadlock).
#pragma once

#include <functional>
#include <memory>
#include <thread>

#include "common/ipfs/ipfs.h"
#include "common/base/status.h"

namespace oneipfs {

class PipeBridge {
 public:
  using Producer = std::function<Status(const ByteSink& sink)>;
  explicit PipeBridge(Producer producer);
  ~PipeBridge();
  PipeBridge(const PipeBridge&) = delete;
  PipeBridge& operator=(const PipeBridge&) = delete;

  Status started() const { return start_status_; }
  ByteSource source();
  // Stops reading (if the consumer gave up), joins, returns the producer's status.
  Status Finish();

 private:
  void Join();
  int rd_ = -1, wr_ = -1;
  Status start_status_;
  Status producer_status_;
  std::thread thread_;
  bool joined_ = false;
};

}  // namespace oneipfs
