// replay_main.cc: runs a fuzz harness over its corpus without libFuzzer.
//
// Linked with one fuzz/<name>_fuzz.cc into build/fuzz/<name>_replay, the
// CTest test fuzz_<name> (a regression test that runs in seconds with the
// project's normal compiler and flags). Arguments: files and directories;
// every regular file of a directory (not recursive) is one input, in name
// order. Each input is passed to LLVMFuzzerTestOneInput once; a property
// violation aborts (FUZZ_CHECK), naming the input on the line before.
// Exit status: 0 after the last input, 1 when an argument cannot be read
// or names no input at all (an empty corpus would test nothing).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <system_error>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);
extern "C" __attribute__((weak)) int LLVMFuzzerInitialize(int* argc, char*** argv);

namespace {

namespace fs = std::filesystem;

bool Inputs(const std::string& arg, std::vector<std::string>* out) {
  std::error_code ec;
  if (fs::is_directory(arg, ec)) {
    std::vector<std::string> files;
    for (fs::directory_iterator it(arg, ec), end; !ec && it != end; it.increment(ec))
      if (it->is_regular_file(ec)) files.push_back(it->path().string());
    if (ec) return false;
    std::sort(files.begin(), files.end());
    out->insert(out->end(), files.begin(), files.end());
    return true;
  }
  if (!fs::is_regular_file(arg, ec)) return false;
  out->push_back(arg);
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  if (LLVMFuzzerInitialize) LLVMFuzzerInitialize(&argc, &argv);
  std::vector<std::string> inputs;
  for (int i = 1; i < argc; ++i) {
    if (!Inputs(argv[i], &inputs)) {
      std::fprintf(stderr, "%s: cannot read %s\n", argv[0], argv[i]);
      return 1;
    }
  }
  if (inputs.empty()) {
    std::fprintf(stderr, "%s: no inputs (usage: %s CORPUS_DIR_OR_FILE...)\n", argv[0], argv[0]);
    return 1;
  }
  for (const auto& path : inputs) {
    std::ifstream f(path, std::ios::binary);
    std::vector<char> bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    if (!f.eof() && f.fail()) {
      std::fprintf(stderr, "%s: cannot read %s\n", argv[0], path.c_str());
      return 1;
    }
    std::fprintf(stderr, "input %s (%zu bytes)\n", path.c_str(), bytes.size());
    // A copy of exactly `size` bytes, so reads past the end stay detectable.
    std::vector<std::uint8_t> data(bytes.begin(), bytes.end());
    LLVMFuzzerTestOneInput(data.empty() ? nullptr : data.data(), data.size());
  }
  std::printf("%zu inputs replayed without a finding\n", inputs.size());
  return 0;
}
