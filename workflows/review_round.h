// A review round (评审批次): open → scoring → closed → notice → finalized, for selection
// (评选) and re-review (复评) rounds alike. Like the brand lifecycle, a Boost.MSM machine in
// its own translation unit; nominations, expert assignment and scoring are moves inside a
// state, so the table also says when each is allowed.
//
// Thread safety: the table functions are safe from any thread; a RoundMachine is a value.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

namespace brandledger::workflows {

enum class RoundStatus : std::uint8_t { kNone, kOpen, kScoring, kClosed, kNotice, kFinalized };
enum class RoundTrigger : std::uint8_t {
  kOpen,
  kNominate,
  kAssignExperts,
  kStart,
  kScore,
  kClose,
  kPublishNotice,
  kFinalize,
};

inline constexpr int kRoundStatusCount = 6;
inline constexpr int kRoundTriggerCount = 8;

std::string_view round_status_code(RoundStatus status);   // "scoring"
std::string_view round_status_label(RoundStatus status);  // "评分中"
std::string_view round_trigger_name(RoundTrigger trigger);

struct RoundTransition {
  RoundStatus from;
  RoundTrigger trigger;
  RoundStatus to;
};

const std::vector<RoundTransition>& round_transitions();
std::optional<RoundStatus> round_target(RoundStatus from, RoundTrigger trigger);

class RoundMachine {
 public:
  RoundMachine();
  ~RoundMachine();
  RoundMachine(const RoundMachine& other);
  RoundMachine& operator=(const RoundMachine& other);

  RoundStatus status() const;
  bool fire(RoundTrigger trigger);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace brandledger::workflows
