// scratch_files_test.h: scratch directories and whole-file reads for unit
// tests (a test-only header; *_test.* never enters the library).
#pragma once

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <doctest/doctest.h>

namespace oneipfs::testing {

// A new empty directory /tmp/<prefix>-XXXXXX; the test removes it.
inline std::filesystem::path MakeTempDir(const std::string& prefix) {
  std::string tmpl = "/tmp/" + prefix + "-XXXXXX";
  REQUIRE(::mkdtemp(tmpl.data()) != nullptr);
  return tmpl;
}

// The whole file's bytes ("" when it cannot be read).
inline std::string ReadWholeFile(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace oneipfs::testing
