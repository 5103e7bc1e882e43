// doctor.cc: the table one-ipfs-doctor prints (Report). The checks are in
// doctor_frontend.cc (the front end: configuration, daemon, API exposure,
// actions, oned.conf, catalog) and doctor_hosts.cc (each host: ssh, the
// helper, its daemon, peering, the round trip); see doctor.h.
#include "common/admin/doctor.h"

#include <fmt/format.h>

namespace oneipfs {
namespace {

const char* OutcomeWord(Outcome o) {
  switch (o) {
    case Outcome::kPass: return "PASS";
    case Outcome::kWarn: return "WARN";
    case Outcome::kFail: return "FAIL";
  }
  return "?";
}

}  // namespace

void Report::Pass(std::string subject, std::string check, std::string detail) {
  rows_.push_back({std::move(subject), std::move(check), Outcome::kPass, std::move(detail), ""});
}
void Report::Warn(std::string subject, std::string check, std::string detail, std::string fix) {
  rows_.push_back({std::move(subject), std::move(check), Outcome::kWarn, std::move(detail), std::move(fix)});
}
void Report::Fail(std::string subject, std::string check, std::string detail, std::string fix) {
  rows_.push_back({std::move(subject), std::move(check), Outcome::kFail, std::move(detail), std::move(fix)});
}

bool Report::failed() const {
  return std::any_of(rows_.begin(), rows_.end(), [](const CheckRow& r) { return r.outcome == Outcome::kFail; });
}

std::string Report::Table() const {
  std::size_t w_subject = 7, w_check = 5;
  for (const auto& r : rows_) {
    w_subject = std::max(w_subject, r.subject.size());
    w_check = std::max(w_check, r.check.size());
  }
  std::string out = fmt::format("{:<6}{:<{}}  {:<{}}  {}\n", "", "SUBJECT", w_subject, "CHECK", w_check, "DETAIL");
  int pass = 0, warn = 0, fail = 0;
  for (const auto& r : rows_) {
    out += fmt::format("{:<6}{:<{}}  {:<{}}  {}\n", OutcomeWord(r.outcome), r.subject, w_subject, r.check, w_check,
                       r.detail);
    if (r.outcome != Outcome::kPass) out += fmt::format("{:<6}fix: {}\n", "", r.fix);
    (r.outcome == Outcome::kPass ? pass : r.outcome == Outcome::kWarn ? warn : fail)++;
  }
  out += fmt::format("\n{} passed, {} warning{}, {} failed\n", pass, warn, warn == 1 ? "" : "s", fail);
  return out;
}

}  // namespace oneipfs
