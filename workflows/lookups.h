// Views the decisions themselves read (so they live with the workflows): each branch's
// active brand (one branch, one brand), per-year counters (filing numbers), the enabled
// administrators (the last one stays); and the domain's timers (rectification deadlines,
// title expiry).
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
inline constexpr std::string_view kEnabledAdminsTable = "enabled_admins";

// Each throws engine::StorageFailure when the view cannot be read.
std::optional<std::string> active_brand_of(const engine::ViewReader& views,
                                           std::string_view branch);
std::int64_t counter(const engine::ViewReader& views, std::string_view key);
// How many enabled administrators there are besides `user` (counting stops at 2).
std::size_t enabled_admins_other_than(const engine::ViewReader& views, std::string_view user);

std::string filing_counter(int year);
std::string rectify_timer(std::string_view brand);
std::string expiry_timer(std::string_view brand);

std::shared_ptr<engine::Projection> make_lookup_views();

}  // namespace brandledger::workflows
