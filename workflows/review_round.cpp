// The Boost.MSM definition of a review round. Its only translation unit.
#include "workflows/review_round.h"

#include <boost/mpl/for_each.hpp>
#include <boost/mpl/vector.hpp>
#include <boost/msm/back/state_machine.hpp>
#include <boost/msm/front/functor_row.hpp>
#include <boost/msm/front/state_machine_def.hpp>

#include <array>

namespace brandledger::workflows {
namespace {

namespace msm = boost::msm;
namespace msmf = boost::msm::front;
namespace mpl = boost::mpl;

struct StatusBase {
  virtual ~StatusBase() = default;
  virtual RoundStatus status() const { return RoundStatus::kNone; }
};

#define BL_ROUND_STATE(Name, Status)                            \
  struct Name : msmf::state<StatusBase> {                       \
    static constexpr RoundStatus kStatus = RoundStatus::Status; \
    RoundStatus status() const override { return kStatus; }     \
  }
BL_ROUND_STATE(NotOpened, kNone);
BL_ROUND_STATE(Open, kOpen);
BL_ROUND_STATE(Scoring, kScoring);
BL_ROUND_STATE(Closed, kClosed);
BL_ROUND_STATE(Notice, kNotice);
BL_ROUND_STATE(Finalized, kFinalized);
#undef BL_ROUND_STATE

#define BL_ROUND_EVENT(Name, Trigger)                               \
  struct Name {                                                     \
    static constexpr RoundTrigger kTrigger = RoundTrigger::Trigger; \
  }
BL_ROUND_EVENT(OpenRound, kOpen);
BL_ROUND_EVENT(Nominate, kNominate);
BL_ROUND_EVENT(AssignExperts, kAssignExperts);
BL_ROUND_EVENT(Start, kStart);
BL_ROUND_EVENT(Score, kScore);
BL_ROUND_EVENT(Close, kClose);
BL_ROUND_EVENT(PublishNotice, kPublishNotice);
BL_ROUND_EVENT(Finalize, kFinalize);
#undef BL_ROUND_EVENT

using msmf::none;
using msmf::Row;

struct ReviewRoundDef : msmf::state_machine_def<ReviewRoundDef, StatusBase> {
  using initial_state = NotOpened;
  // clang-format off
  struct transition_table : mpl::vector<
      Row<NotOpened, OpenRound,     Open,      none, none>,
      Row<Open,      Nominate,      Open,      none, none>,
      Row<Open,      AssignExperts, Open,      none, none>,
      Row<Open,      Start,         Scoring,   none, none>,
      // Experts may still be added while scoring, e.g. to replace one who withdrew.
      Row<Scoring,   AssignExperts, Scoring,   none, none>,
      Row<Scoring,   Score,         Scoring,   none, none>,
      Row<Scoring,   Close,         Closed,    none, none>,
      Row<Closed,    PublishNotice, Notice,    none, none>,
      Row<Notice,    Finalize,      Finalized, none, none>
  > {};
  // clang-format on
  template <class Fsm, class Event>
  void no_transition(const Event&, Fsm& fsm, int) {
    fsm.refused = true;
  }
  bool refused = false;
};

using ReviewRound = msm::back::state_machine<ReviewRoundDef>;

template <class T>
struct Wrap {};

struct CollectRow {
  std::vector<RoundTransition>* out;
  template <class R>
  void operator()(Wrap<R>) const {
    out->push_back({R::Source::kStatus, R::Evt::kTrigger, R::Target::kStatus});
  }
};

template <class Event>
bool process(ReviewRound& fsm) {
  fsm.refused = false;
  fsm.process_event(Event{});
  return !fsm.refused;
}

constexpr std::array<std::string_view, kRoundStatusCount> kCodes = {
    "none", "open", "scoring", "closed", "notice", "finalized"};
constexpr std::array<std::string_view, kRoundTriggerCount> kTriggers = {
    "open", "nominate", "assign_experts", "start", "score", "close", "publish_notice", "finalize"};

}  // namespace

struct RoundMachine::Impl {
  ReviewRound fsm;
};

RoundMachine::RoundMachine() : impl_(std::make_unique<Impl>()) {
  impl_->fsm.start();
}
RoundMachine::~RoundMachine() = default;
RoundMachine::RoundMachine(const RoundMachine& other)
    : impl_(std::make_unique<Impl>(*other.impl_)) {}
RoundMachine& RoundMachine::operator=(const RoundMachine& other) {
  if (this != &other) *impl_ = *other.impl_;
  return *this;
}

RoundStatus RoundMachine::status() const {
  return impl_->fsm.get_state_by_id(impl_->fsm.current_state()[0])->status();
}

bool RoundMachine::fire(RoundTrigger trigger) {
  ReviewRound& fsm = impl_->fsm;
  switch (trigger) {
    case RoundTrigger::kOpen: return process<OpenRound>(fsm);
    case RoundTrigger::kNominate: return process<Nominate>(fsm);
    case RoundTrigger::kAssignExperts: return process<AssignExperts>(fsm);
    case RoundTrigger::kStart: return process<Start>(fsm);
    case RoundTrigger::kScore: return process<Score>(fsm);
    case RoundTrigger::kClose: return process<Close>(fsm);
    case RoundTrigger::kPublishNotice: return process<PublishNotice>(fsm);
    case RoundTrigger::kFinalize: return process<Finalize>(fsm);
  }
  return false;
}

const std::vector<RoundTransition>& round_transitions() {
  static const std::vector<RoundTransition> table = [] {
    std::vector<RoundTransition> out;
    mpl::for_each<ReviewRoundDef::transition_table, Wrap<mpl::_1>>(CollectRow{&out});
    return out;
  }();
  return table;
}

std::optional<RoundStatus> round_target(RoundStatus from, RoundTrigger trigger) {
  for (const RoundTransition& t : round_transitions())
    if (t.from == from && t.trigger == trigger) return t.to;
  return std::nullopt;
}

std::string_view round_status_code(RoundStatus s) {
  return kCodes[static_cast<std::size_t>(s)];
}
std::string_view round_status_label(RoundStatus s) {
  static constexpr std::array<std::string_view, kRoundStatusCount> kLabels = {
      "未创建", "推荐中", "评分中", "评审结束", "公示中", "已命名"};
  return kLabels[static_cast<std::size_t>(s)];
}
std::string_view round_trigger_name(RoundTrigger t) {
  return kTriggers[static_cast<std::size_t>(t)];
}

}  // namespace brandledger::workflows
