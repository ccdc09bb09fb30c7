// Helpers the command handlers share: loading typed state, typed refusals, registration.
#pragma once

#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "engine/domain.h"
#include "workflows/authorization.h"
#include "workflows/brand_lifecycle.h"
#include "workflows/json_fields.h"
#include "workflows/model.h"

namespace brandledger::workflows {

using engine::DecideContext;
using engine::Decision;
using engine::RejectionKind;

// A stream's state as its aggregate type. A storage failure throws: the engine then
// fails the command with the storage error it recorded, rather than refusing it. A stream
// of another type throws ArgumentError: the command is refused (400).
template <class State>
struct Loaded {
  engine::StreamState stream;
  const State& operator*() const { return *stream.as<State>(); }
  const State* operator->() const { return stream.as<State>(); }
  std::uint64_t version() const { return stream.version; }
};

template <class State>
Loaded<State> load(DecideContext& ctx, std::string_view stream) {
  auto s = ctx.load(stream);
  if (!s.ok()) throw engine::StorageFailure(s.status());
  // A command sent to a stream of another kind (round.close on org-b1): the API never builds
  // one, but the engine takes any stream name, so it is the caller's error, not a defect
  // (found by fuzz/command_fuzz.cpp).
  if (s->as<State>() == nullptr)
    throw engine::ArgumentError("stream", std::string(stream) + " is a stream of another kind");
  return {std::move(*s)};
}

// `detail_zh`: the same in Chinese, where the rule has particulars worth saying (a date, the
// fields missing); "" leaves it to the API's sentence for the code.
inline Decision reject(RejectionKind kind, std::string code, std::string detail,
                       std::string detail_zh = {}) {
  return Decision::reject(kind, std::move(code), std::move(detail), std::move(detail_zh));
}
inline Decision refuse(engine::Rejection r) {
  Decision d;
  d.rejection = std::move(r);
  return d;
}
inline Decision not_found(std::string what) {
  return reject(RejectionKind::kNotFound, "not_found", std::move(what) + " does not exist");
}
inline Decision illegal(BrandStatus from, BrandTrigger trigger) {
  return reject(RejectionKind::kIllegalTransition, "illegal_transition",
                "cannot " + std::string(trigger_name(trigger)) + " a brand that is " +
                    std::string(status_code(from)),
                "品牌当前为“" + std::string(status_label(from)) + "”，不能执行此操作（" +
                    std::string(trigger_name(trigger)) + "）");
}
inline Decision rule(std::string code, std::string detail, std::string detail_zh = {}) {
  return reject(RejectionKind::kRule, std::move(code), std::move(detail), std::move(detail_zh));
}

// A refusal that lifts by itself at `until` (cooling-off, a notice's end).
inline Decision lifted_at(Timestamp until, Decision refusal) {
  refusal.rejection->until = until;
  return refusal;
}

// A decision by a unit or the committee says why (审核意见, DOMAIN.md): its comment must not
// be blank, or it is refused with 422 comment_required. Timers (actor `system`) decide
// nothing of their own and need none.
inline std::optional<Decision> require_comment(const engine::Command& c) {
  if (c.actor.role == "system" || !is_blank(c.comment)) return std::nullopt;
  Decision d =
      rule("comment_required", "a decision needs a comment saying why (审核意见): " + c.type);
  d.rejection->field = "comment";
  return d;
}

// The id inside a stream name: "brand-b1" -> "b1".
inline std::string_view stream_id(std::string_view stream) {
  auto dash = stream.find('-');
  return dash == std::string_view::npos ? std::string_view() : stream.substr(dash + 1);
}

// Registers `handler` under `type`, turning a malformed argument into 400 invalid_field.
void add_handler(engine::Domain& domain, std::string type, engine::CommandHandler handler);

// The domain's command handlers, by area.
void add_org_commands(engine::Domain& domain);
void add_brand_commands(engine::Domain& domain);
void add_round_commands(engine::Domain& domain);
void add_account_commands(engine::Domain& domain);

// Cooling-off after a revocation, rectification, expiry (DOMAIN.md); the appeal window is
// kAppealWindowDays (model.h: a brand's answer shows it).
inline constexpr int kCoolingOffYears = 2;
inline constexpr int kRectificationDays = 90;
inline constexpr int kExpiryGraceDays = 90;

}  // namespace brandledger::workflows
