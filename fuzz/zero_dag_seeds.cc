// zero_dag_seeds.cc: writes the seed inputs of zero_dag_fuzz.cc (used by
// fuzz/make-corpus; not a test).
//
// Usage: zero_dag_seeds DIR. For a few (size, chunk) pairs it builds the
// zero DAG with BuildZeroDag, as mkfs does, and writes DIR/seed-<size>-<chunk>:
// the harness's input layout, 8 bytes little-endian size, 3 bytes chunk - 1
// (shift 0), then the root block (nothing for a raw root). Exit 1 when a file
// cannot be written.
#include <cstdio>
#include <fstream>
#include <string>

#include <fmt/format.h>

#include "common/ipfs/zero_dag.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s DIR\n", argv[0]);
    return 1;
  }
  struct Pair {
    std::uint64_t size, chunk;
  };
  const Pair pairs[] = {{1, 1024},           {262144, 262144},     {262145, 262144},  {1048576, 4096},
                        {10 * 1048576, 1048576}, {174 * 4096 + 1, 4096}, {1ull << 30, 262144}, {5000, 1},
                        {30000 * 174ull, 2}};
  for (const Pair& p : pairs) {
    auto dag = oneipfs::BuildZeroDag(p.size, p.chunk);
    if (!dag.ok()) {
      std::fprintf(stderr, "%s\n", dag.status().message().c_str());
      return 1;
    }
    std::string input;
    for (int i = 0; i < 8; ++i) input += static_cast<char>((p.size >> (8 * i)) & 0xff);
    for (int i = 0; i < 3; ++i) input += static_cast<char>(((p.chunk - 1) >> (8 * i)) & 0xff);
    const auto& root = dag->blocks.back();
    if (root.codec == 0x70) input += root.bytes;
    std::string path = fmt::format("{}/seed-{}-{}", argv[1], p.size, p.chunk);
    std::ofstream f(path, std::ios::binary);
    f << input;
    if (!f.good()) {
      std::fprintf(stderr, "cannot write %s\n", path.c_str());
      return 1;
    }
  }
  return 0;
}
