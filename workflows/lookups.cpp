#include "workflows/lookups.h"

#include "workflows/decide.h"

namespace brandledger::workflows {
namespace {

std::optional<std::string> get_or_throw(const engine::ViewReader& views, std::string_view table,
                                        std::string_view key) {
  auto v = views.get(table, key);
  if (!v.ok()) throw engine::StorageFailure(v.status());
  return *v;
}

class LookupViews final : public engine::Projection {
 public:
  std::vector<std::string> tables() const override {
    return {std::string(kBranchBrandTable), std::string(kCountersTable),
            std::string(kEnabledAdminsTable)};
  }

  Status apply(const engine::RecordedEvent& event, engine::ViewWriter& views) override {
    const std::string_view type = event.envelope.type;
    const auto& d = event.data;
    if (const auto* user = dynamic_cast<const UserState*>(event.after)) {
      if (user->role == "admin" && !user->disabled)
        return views.put(kEnabledAdminsTable, user->id, "");
      return views.erase(kEnabledAdminsTable, user->id);
    }
    const std::string brand(stream_id(event.envelope.stream));
    if (type == "BrandFiled") {
      const std::string key = filing_counter(static_cast<int>(num(d, "year")));
      BL_ASSIGN_OR_RETURN(auto n, views.get(kCountersTable, key));
      return views.put(kCountersTable, key, std::to_string((n ? std::stoll(*n) : 0) + 1));
    }
    if (!event.envelope.stream.starts_with("brand-")) return Status::Ok();

    // One branch, one brand: the active brand of each branch.
    if (type == "BrandCreated" || type == "BrandReopened") {
      BL_RETURN_IF_ERROR(views.put(kBranchBrandTable, str(d, "branch"), brand));
    } else if (type == "BrandWithdrawn" || type == "BrandCancelled") {
      BL_ASSIGN_OR_RETURN(auto active, views.get(kBranchBrandTable, str(d, "branch")));
      if (active == brand) BL_RETURN_IF_ERROR(views.erase(kBranchBrandTable, str(d, "branch")));
    }
    return timers(type, d, brand, views);
  }

 private:
  static Status timers(std::string_view type, const boost::json::object& d,
                       const std::string& brand, engine::ViewWriter& views) {
    auto schedule = [&](std::string id, std::optional<Timestamp> due, std::string command) {
      if (!due) return Status::Ok();
      engine::TimerSpec t;
      t.id = std::move(id);
      t.due = *due;
      t.command = std::move(command);
      t.stream = brand_stream(brand);
      return views.schedule_timer(t);
    };
    auto expiry_at = [&](std::string_view key) -> std::optional<Timestamp> {
      auto v = time_field(d, key);
      if (!v) return std::nullopt;
      return add_days(*v, kExpiryGraceDays);
    };
    if (type == "BrandNamed" || type == "ReReviewConcluded")
      return schedule(expiry_timer(brand), expiry_at("valid_until"), "brand.expire");
    if (type == "RectificationPassed") {
      BL_RETURN_IF_ERROR(views.cancel_timer(rectify_timer(brand)));
      return schedule(expiry_timer(brand), expiry_at("valid_until"), "brand.expire");
    }
    if (type == "RectificationOrdered")
      return schedule(rectify_timer(brand), time_field(d, "deadline"),
                      "brand.rectification_deadline");
    if (type == "AppealGranted") {
      BL_RETURN_IF_ERROR(schedule(expiry_timer(brand), expiry_at("valid_until"), "brand.expire"));
      return schedule(rectify_timer(brand), time_field(d, "rectify_by"),
                      "brand.rectification_deadline");
    }
    if (type == "RevokedByReview" || type == "RectificationFailed" ||
        type == "RectificationDeadlineMissed" || type == "TitleRevoked" || type == "TitleExpired" ||
        type == "BrandCancelled") {
      BL_RETURN_IF_ERROR(views.cancel_timer(rectify_timer(brand)));
      return views.cancel_timer(expiry_timer(brand));
    }
    return Status::Ok();
  }
};

}  // namespace

std::optional<std::string> active_brand_of(const engine::ViewReader& views,
                                           std::string_view branch) {
  return get_or_throw(views, kBranchBrandTable, branch);
}

std::size_t enabled_admins_other_than(const engine::ViewReader& views, std::string_view user) {
  std::size_t n = 0;
  Status s = views.scan(kEnabledAdminsTable, "", [&](std::string_view id, std::string_view) {
    if (id != user) ++n;
    return n < 2;  // one other is enough to know
  });
  if (!s.ok()) throw engine::StorageFailure(s);
  return n;
}

std::int64_t counter(const engine::ViewReader& views, std::string_view key) {
  auto v = get_or_throw(views, kCountersTable, key);
  return v ? std::stoll(*v) : 0;
}


std::string filing_counter(int year) {
  return "filing:" + std::to_string(year);
}
std::string rectify_timer(std::string_view brand) {
  return "rectify:" + std::string(brand);
}
std::string expiry_timer(std::string_view brand) {
  return "expire:" + std::string(brand);
}

std::shared_ptr<engine::Projection> make_lookup_views() {
  return std::make_shared<LookupViews>();
}

}  // namespace brandledger::workflows
