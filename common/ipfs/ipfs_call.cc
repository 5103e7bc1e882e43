#include "common/ipfs/ipfs_call.h"

namespace oneipfs::ipfs_call {

const std::chrono::steady_clock::time_point kProgramStart = std::chrono::steady_clock::now();

}  // namespace oneipfs::ipfs_call
