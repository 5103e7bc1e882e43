// unit_main.cc: the doctest runner. The per-user runtime directory
// (base/private_dir.h: holder-first notes, peer marks) is this run's own,
// so what integration tests or another run left there never reaches a unit
// test's canned daemon.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>

int main(int argc, char** argv) {
  char dir[] = "/tmp/one-ipfs-unit-XXXXXX";
  const bool own = ::mkdtemp(dir) != nullptr;
  if (own) ::setenv("XDG_RUNTIME_DIR", dir, 1);
  doctest::Context ctx;
  ctx.applyCommandLine(argc, argv);
  int rc = ctx.run();
  if (own) {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
  return rc;
}
