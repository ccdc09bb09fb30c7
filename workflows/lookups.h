// Views the decisions themselves read (so they live with the workflows): each branch's
// active brand (one branch, one brand), per-year counters (filing numbers); and the domain's
// timers (rectification deadlines, title expiry).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "engine/domain.h"

namespace brandledger::workflows {

inline constexpr std::string_view kBranchBrandTable = "branch_brand";
inline constexpr std::string_view kCountersTable = "counters";

// Each throws engine::StorageFailure when the view cannot be read.
std::optional<std::string> active_brand_of(const engine::ViewReader& views,
                                           std::string_view branch);
std::int64_t counter(const engine::ViewReader& views, std::string_view key);

std::string filing_counter(int year);
std::string rectify_timer(std::string_view brand);
std::string expiry_timer(std::string_view brand);

std::shared_ptr<engine::Projection> make_lookup_views();

}  // namespace brandledger::workflows
