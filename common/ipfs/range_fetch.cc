#include "common/ipfs/range_fetch.h"

#include <algorithm>
#include <atomic>
#include <mutex>
#include <thread>

#include <fmt/format.h>

namespace oneipfs {

std::vector<ByteRange> PlanRanges(std::uint64_t bytes, unsigned streams, std::uint64_t min_range,
                                  std::uint64_t align) {
  if (align == 0) align = 1;
  std::uint64_t n = std::max<std::uint64_t>(1, streams);
  if (min_range > 0) n = std::min<std::uint64_t>(n, std::max<std::uint64_t>(1, bytes / min_range));
  std::uint64_t each = (bytes + n - 1) / n;
  each = (each + align - 1) / align * align;
  std::vector<ByteRange> plan;
  std::uint64_t at = 0;
  do {
    std::uint64_t len = std::min(each, bytes - at);
    plan.push_back({at, len});
    at += len;
  } while (at < bytes);
  return plan;
}

Status FetchInRanges(const std::string& ipfs_path, std::uint64_t bytes, const std::vector<ByteRange>& plan,
                     const IpfsClientFactory& clients, AtomicDiskWriter& writer,
                     const std::function<void(std::size_t)>& on_bytes) {
  std::vector<std::unique_ptr<AtomicDiskWriter::Region>> regions;
  std::vector<std::unique_ptr<IpfsClient>> conns;
  for (const auto& r : plan) {
    ASSIGN_OR_RETURN(auto region, writer.OpenRegion(r.start, r.length));
    regions.push_back(std::move(region));
    ASSIGN_OR_RETURN(auto client, clients());
    conns.push_back(std::move(client));
  }

  std::atomic<bool> stop{false};
  std::mutex mu;
  Status first;  // the first real failure (not "stopped because another failed")
  auto run = [&](std::size_t k) {
    auto& region = *regions[k];
    Status st = conns[k]->Cat(ipfs_path, plan[k].start, plan[k].length, [&](std::string_view chunk) -> Status {
      if (stop.load()) return Status::Failed("stopped: another range failed");
      RETURN_IF_ERROR(region.Write(chunk));
      if (on_bytes) on_bytes(chunk.size());
      return Status::Ok();
    });
    if (st.ok() && region.written() != plan[k].length)
      st = Status::Io(fmt::format("{}: the daemon sent {} of the {} bytes at offset {}", ipfs_path, region.written(),
                                  plan[k].length, plan[k].start));
    if (!st.ok()) {
      std::lock_guard<std::mutex> lock(mu);
      if (!stop.exchange(true)) first = st;
    }
  };
  std::vector<std::thread> threads;
  for (std::size_t k = 1; k < plan.size(); ++k) threads.emplace_back(run, k);
  if (!plan.empty()) run(0);
  for (auto& t : threads) t.join();
  if (!first.ok()) return first;
  return writer.CommitRegions(regions, bytes);
}

}  // namespace oneipfs
