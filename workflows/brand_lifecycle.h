// The brand lifecycle (DOMAIN.md: 培育 → 备案 → 评审 → 选树 → 复评): its states, the
// triggers that move it, and the Boost.MSM machine that holds one brand's state.
//
// The MSM transition table (brand_lifecycle.cpp) is the single source of truth: the
// decisions ask brand_target() whether a trigger is allowed, replay drives BrandMachine,
// and the documentation's diagrams are generated from brand_transitions(). This header
// stays free of MSM so that only one translation unit compiles the machine.
//
// Thread safety: the table functions are safe from any thread; a BrandMachine is a value.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

namespace brandledger::workflows {

enum class BrandStatus : std::uint8_t {
  kNone,  // before the brand is created
  kCultivating,
  kSubmitted,
  kUnitApproved,
  kFiled,
  kNominated,
  kUnderReview,
  kProposed,
  kPublicNotice,
  kObjection,
  kNamed,
  kReReview,
  kRectifying,
  kAppeal,
  kWithdrawn,
  kCancelled,
};

enum class BrandTrigger : std::uint8_t {
  kCreate,
  kEdit,
  kSubmit,
  kWithdraw,
  kReopen,
  kApprove,
  kReturn,
  kFile,
  kReportProgress,
  kNominate,
  kStartReview,
  kPropose,
  kNotSelected,
  kPublishNotice,
  kRaiseObjection,
  kUpholdObjection,
  kDismissObjection,
  kName,
  kStartReReview,
  kKeepTitle,  // re-review outcome promoted, retained or demoted: stays named
  kRectify,
  kRevokeByReview,
  kPassRectification,
  kFailRectification,
  kMissRectificationDeadline,
  kRevoke,  // 一票否决, any time a title is held
  kAppeal,
  kGrantAppealToNamed,
  kGrantAppealToRectifying,
  kRejectAppealToNamed,
  kRejectAppealToFiled,
  kExpire,
  kCancel,
};

inline constexpr int kBrandStatusCount = 16;
inline constexpr int kBrandTriggerCount = 33;

std::string_view status_code(BrandStatus status);   // "cultivating"
std::string_view status_label(BrandStatus status);  // "培育中"
std::optional<BrandStatus> parse_status(std::string_view code);
std::string_view trigger_name(BrandTrigger trigger);  // "submit"

struct BrandTransition {
  BrandStatus from;
  BrandTrigger trigger;
  BrandStatus to;
};

// Every row of the machine's transition table, in table order.
const std::vector<BrandTransition>& brand_transitions();

// Where `trigger` takes a brand in `from`; nullopt when the machine refuses it.
std::optional<BrandStatus> brand_target(BrandStatus from, BrandTrigger trigger);

// One brand's state machine.
class BrandMachine {
 public:
  BrandMachine();
  ~BrandMachine();
  BrandMachine(const BrandMachine& other);
  BrandMachine& operator=(const BrandMachine& other);

  BrandStatus status() const;
  // Moves the machine; false, and no change, when the trigger is not allowed now.
  bool fire(BrandTrigger trigger);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace brandledger::workflows
