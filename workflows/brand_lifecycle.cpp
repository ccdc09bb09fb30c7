// The Boost.MSM definition of the brand lifecycle. The only translation unit that
// compiles it: keep it that way (MSM's templates are heavy).

// The active lifecycle's table has more rows than Boost.MPL's preprocessed default of 20.
#define BOOST_MPL_CFG_NO_PREPROCESSED_HEADERS
#define BOOST_MPL_LIMIT_VECTOR_SIZE 50
#define BOOST_MPL_LIMIT_MAP_SIZE 50

#include "workflows/brand_lifecycle.h"

#include <boost/mpl/for_each.hpp>
#include <boost/mpl/vector.hpp>
#include <boost/msm/back/state_machine.hpp>
#include <boost/msm/front/functor_row.hpp>
#include <boost/msm/front/state_machine_def.hpp>

#include <algorithm>
#include <array>
#include <type_traits>

namespace brandledger::workflows {
namespace {

namespace msm = boost::msm;
namespace msmf = boost::msm::front;
namespace mpl = boost::mpl;

// Every state answers which BrandStatus it is, so the current one can be read back.
struct StatusBase {
  virtual ~StatusBase() = default;
  virtual BrandStatus status() const { return BrandStatus::kNone; }
};

#define BL_BRAND_STATE(Name, Status)                            \
  struct Name : msmf::state<StatusBase> {                       \
    static constexpr BrandStatus kStatus = BrandStatus::Status; \
    BrandStatus status() const override { return kStatus; }     \
  }

BL_BRAND_STATE(NotCreated, kNone);
BL_BRAND_STATE(Cultivating, kCultivating);
BL_BRAND_STATE(Submitted, kSubmitted);
BL_BRAND_STATE(UnitApproved, kUnitApproved);
BL_BRAND_STATE(Filed, kFiled);
BL_BRAND_STATE(Nominated, kNominated);
BL_BRAND_STATE(UnderReview, kUnderReview);
BL_BRAND_STATE(Proposed, kProposed);
BL_BRAND_STATE(PublicNotice, kPublicNotice);
BL_BRAND_STATE(Objection, kObjection);
BL_BRAND_STATE(Named, kNamed);
BL_BRAND_STATE(ReReview, kReReview);
BL_BRAND_STATE(Rectifying, kRectifying);
BL_BRAND_STATE(Appeal, kAppeal);
BL_BRAND_STATE(Withdrawn, kWithdrawn);
BL_BRAND_STATE(Cancelled, kCancelled);
#undef BL_BRAND_STATE

#define BL_BRAND_EVENT(Name, Trigger)                               \
  struct Name {                                                     \
    static constexpr BrandTrigger kTrigger = BrandTrigger::Trigger; \
  }

BL_BRAND_EVENT(Create, kCreate);
BL_BRAND_EVENT(Edit, kEdit);
BL_BRAND_EVENT(Submit, kSubmit);
BL_BRAND_EVENT(Withdraw, kWithdraw);
BL_BRAND_EVENT(Reopen, kReopen);
BL_BRAND_EVENT(Approve, kApprove);
BL_BRAND_EVENT(Return, kReturn);
BL_BRAND_EVENT(File, kFile);
BL_BRAND_EVENT(ReportProgress, kReportProgress);
BL_BRAND_EVENT(Nominate, kNominate);
BL_BRAND_EVENT(StartReview, kStartReview);
BL_BRAND_EVENT(Propose, kPropose);
BL_BRAND_EVENT(NotSelected, kNotSelected);
BL_BRAND_EVENT(PublishNotice, kPublishNotice);
BL_BRAND_EVENT(RaiseObjection, kRaiseObjection);
BL_BRAND_EVENT(UpholdObjection, kUpholdObjection);
BL_BRAND_EVENT(DismissObjection, kDismissObjection);
BL_BRAND_EVENT(Name, kName);
BL_BRAND_EVENT(StartReReview, kStartReReview);
BL_BRAND_EVENT(KeepTitle, kKeepTitle);
BL_BRAND_EVENT(Rectify, kRectify);
BL_BRAND_EVENT(RevokeByReview, kRevokeByReview);
BL_BRAND_EVENT(PassRectification, kPassRectification);
BL_BRAND_EVENT(FailRectification, kFailRectification);
BL_BRAND_EVENT(MissRectificationDeadline, kMissRectificationDeadline);
BL_BRAND_EVENT(Revoke, kRevoke);
BL_BRAND_EVENT(AppealDecision, kAppeal);
BL_BRAND_EVENT(GrantAppealToNamed, kGrantAppealToNamed);
BL_BRAND_EVENT(GrantAppealToRectifying, kGrantAppealToRectifying);
BL_BRAND_EVENT(RejectAppealToNamed, kRejectAppealToNamed);
BL_BRAND_EVENT(RejectAppealToFiled, kRejectAppealToFiled);
BL_BRAND_EVENT(Expire, kExpire);
BL_BRAND_EVENT(Cancel, kCancel);
#undef BL_BRAND_EVENT

using msmf::none;
using msmf::Row;

// The life of a brand from creation to withdrawal: everything but cancellation, which
// the outer machine allows from any of these states with one row.
struct ActiveDef : msmf::state_machine_def<ActiveDef, StatusBase> {
  using initial_state = Cultivating;

  // clang-format off
  struct transition_table : mpl::vector<
      //  from          trigger                    to            action guard
      // 培育: the branch builds its brand; the unit and the committee review the filing.
      Row<Cultivating,  Edit,                      Cultivating,  none, none>,
      Row<Filed,        Edit,                      Filed,        none, none>,
      Row<Named,        Edit,                      Named,        none, none>,
      Row<Cultivating,  Submit,                    Submitted,    none, none>,
      Row<Cultivating,  Withdraw,                  Withdrawn,    none, none>,
      Row<Submitted,    Withdraw,                  Withdrawn,    none, none>,
      Row<UnitApproved, Withdraw,                  Withdrawn,    none, none>,
      Row<Withdrawn,    Reopen,                    Cultivating,  none, none>,
      Row<Submitted,    Approve,                   UnitApproved, none, none>,
      Row<Submitted,    Return,                    Cultivating,  none, none>,
      Row<UnitApproved, Return,                    Cultivating,  none, none>,
      // 备案: in the brand library.
      Row<UnitApproved, File,                      Filed,        none, none>,
      Row<Filed,        ReportProgress,            Filed,        none, none>,
      Row<Named,        ReportProgress,            Named,        none, none>,
      // 评审 → 选树: a selection round.
      Row<Filed,        Nominate,                  Nominated,    none, none>,
      Row<Nominated,    StartReview,               UnderReview,  none, none>,
      Row<UnderReview,  Propose,                   Proposed,     none, none>,
      Row<UnderReview,  NotSelected,               Filed,        none, none>,
      Row<Proposed,     PublishNotice,             PublicNotice, none, none>,
      Row<PublicNotice, RaiseObjection,            Objection,    none, none>,
      Row<Objection,    UpholdObjection,           Filed,        none, none>,
      Row<Objection,    DismissObjection,          PublicNotice, none, none>,
      Row<PublicNotice, Name,                      Named,        none, none>,
      // 复评 (优进劣出): a re-review round, rectification, revocation, appeal, expiry.
      Row<Named,        StartReReview,             ReReview,     none, none>,
      Row<ReReview,     KeepTitle,                 Named,        none, none>,
      Row<ReReview,     Rectify,                   Rectifying,   none, none>,
      Row<ReReview,     RevokeByReview,            Filed,        none, none>,
      Row<Rectifying,   PassRectification,         Named,        none, none>,
      Row<Rectifying,   FailRectification,         Filed,        none, none>,
      Row<Rectifying,   MissRectificationDeadline, Filed,        none, none>,
      Row<Named,        Revoke,                    Filed,        none, none>,
      Row<ReReview,     Revoke,                    Filed,        none, none>,
      Row<Rectifying,   Revoke,                    Filed,        none, none>,
      Row<Appeal,       Revoke,                    Filed,        none, none>,
      Row<Named,        AppealDecision,            Appeal,       none, none>,
      Row<Filed,        AppealDecision,            Appeal,       none, none>,
      Row<Appeal,       GrantAppealToNamed,        Named,        none, none>,
      Row<Appeal,       GrantAppealToRectifying,   Rectifying,   none, none>,
      Row<Appeal,       RejectAppealToNamed,       Named,        none, none>,
      Row<Appeal,       RejectAppealToFiled,       Filed,        none, none>,
      Row<Named,        Expire,                    Filed,        none, none>
  > {};
  // clang-format on

  template <class Fsm, class Event>
  void no_transition(const Event&, Fsm& fsm, int) {
    fsm.refused = true;
  }
  bool refused = false;
};

using Active = msm::back::state_machine<ActiveDef>;

struct BrandLifecycleDef : msmf::state_machine_def<BrandLifecycleDef, StatusBase> {
  using initial_state = NotCreated;

  struct transition_table : mpl::vector<Row<NotCreated, Create, Active, none, none>,
                                        // 注销: the branch was dissolved or merged; from every
                                        // state of the active life.
                                        Row<Active, Cancel, Cancelled, none, none>> {};

  // A refused trigger leaves the state as it was; fire() reports it.
  template <class Fsm, class Event>
  void no_transition(const Event&, Fsm& fsm, int) {
    fsm.refused = true;
  }
  bool refused = false;
};

using BrandLifecycle = msm::back::state_machine<BrandLifecycleDef>;

// A state's status; the submachine stands for the state it starts in.
template <class State>
constexpr BrandStatus status_of() {
  if constexpr (std::is_same_v<State, Active>)
    return ActiveDef::initial_state::kStatus;
  else
    return State::kStatus;
}

// Lets mpl::for_each hand over a row type without building the row.
template <class T>
struct Wrap {};

struct CollectRow {
  std::vector<BrandTransition>* out;
  template <class R>
  void operator()(Wrap<R>) const {
    out->push_back(
        {status_of<typename R::Source>(), R::Evt::kTrigger, status_of<typename R::Target>()});
  }
};

template <class Event>
bool process(BrandLifecycle& fsm) {
  fsm.refused = false;
  Active& active = fsm.get_state<Active&>();
  active.refused = false;
  fsm.process_event(Event{});
  return !fsm.refused && !active.refused;
}

constexpr std::array<std::string_view, kBrandStatusCount> kStatusCodes = {
    "none",         "cultivating", "submitted",     "unit_approved", "filed", "nominated",
    "under_review", "proposed",    "public_notice", "objection",     "named", "re_review",
    "rectifying",   "appeal",      "withdrawn",     "cancelled"};
constexpr std::array<std::string_view, kBrandStatusCount> kStatusLabels = {
    "未创建", "培育中",     "已申报", "单位已审核", "已备案",   "已推荐参评", "评审中", "拟命名",
    "公示中", "异议核查中", "已命名", "复评中",     "限期整改", "申诉中",     "已撤回", "已注销"};
constexpr std::array<std::string_view, kBrandTriggerCount> kTriggerNames = {
    "create",
    "edit",
    "submit",
    "withdraw",
    "reopen",
    "approve",
    "return",
    "file",
    "progress",
    "nominate",
    "start_review",
    "propose",
    "not_selected",
    "publish_notice",
    "raise_objection",
    "uphold_objection",
    "dismiss_objection",
    "name",
    "start_re_review",
    "keep_title",
    "rectify",
    "revoke_by_review",
    "pass_rectification",
    "fail_rectification",
    "miss_rectification_deadline",
    "revoke",
    "appeal",
    "grant_appeal_to_named",
    "grant_appeal_to_rectifying",
    "reject_appeal_to_named",
    "reject_appeal_to_filed",
    "expire",
    "cancel"};

}  // namespace

struct BrandMachine::Impl {
  BrandLifecycle fsm;
};

BrandMachine::BrandMachine() : impl_(std::make_unique<Impl>()) {
  impl_->fsm.start();
}
BrandMachine::~BrandMachine() = default;
BrandMachine::BrandMachine(const BrandMachine& other)
    : impl_(std::make_unique<Impl>(*other.impl_)) {}
BrandMachine& BrandMachine::operator=(const BrandMachine& other) {
  if (this != &other) *impl_ = *other.impl_;
  return *this;
}

BrandStatus BrandMachine::status() const {
  const BrandLifecycle& fsm = impl_->fsm;
  const StatusBase* outer = fsm.get_state_by_id(fsm.current_state()[0]);
  const Active& active = fsm.get_state<const Active&>();
  if (outer != static_cast<const StatusBase*>(&active)) return outer->status();
  return active.get_state_by_id(active.current_state()[0])->status();
}

bool BrandMachine::fire(BrandTrigger trigger) {
  BrandLifecycle& fsm = impl_->fsm;
  switch (trigger) {
    case BrandTrigger::kCreate: return process<Create>(fsm);
    case BrandTrigger::kEdit: return process<Edit>(fsm);
    case BrandTrigger::kSubmit: return process<Submit>(fsm);
    case BrandTrigger::kWithdraw: return process<Withdraw>(fsm);
    case BrandTrigger::kReopen: return process<Reopen>(fsm);
    case BrandTrigger::kApprove: return process<Approve>(fsm);
    case BrandTrigger::kReturn: return process<Return>(fsm);
    case BrandTrigger::kFile: return process<File>(fsm);
    case BrandTrigger::kReportProgress: return process<ReportProgress>(fsm);
    case BrandTrigger::kNominate: return process<Nominate>(fsm);
    case BrandTrigger::kStartReview: return process<StartReview>(fsm);
    case BrandTrigger::kPropose: return process<Propose>(fsm);
    case BrandTrigger::kNotSelected: return process<NotSelected>(fsm);
    case BrandTrigger::kPublishNotice: return process<PublishNotice>(fsm);
    case BrandTrigger::kRaiseObjection: return process<RaiseObjection>(fsm);
    case BrandTrigger::kUpholdObjection: return process<UpholdObjection>(fsm);
    case BrandTrigger::kDismissObjection: return process<DismissObjection>(fsm);
    case BrandTrigger::kName: return process<Name>(fsm);
    case BrandTrigger::kStartReReview: return process<StartReReview>(fsm);
    case BrandTrigger::kKeepTitle: return process<KeepTitle>(fsm);
    case BrandTrigger::kRectify: return process<Rectify>(fsm);
    case BrandTrigger::kRevokeByReview: return process<RevokeByReview>(fsm);
    case BrandTrigger::kPassRectification: return process<PassRectification>(fsm);
    case BrandTrigger::kFailRectification: return process<FailRectification>(fsm);
    case BrandTrigger::kMissRectificationDeadline: return process<MissRectificationDeadline>(fsm);
    case BrandTrigger::kRevoke: return process<Revoke>(fsm);
    case BrandTrigger::kAppeal: return process<AppealDecision>(fsm);
    case BrandTrigger::kGrantAppealToNamed: return process<GrantAppealToNamed>(fsm);
    case BrandTrigger::kGrantAppealToRectifying: return process<GrantAppealToRectifying>(fsm);
    case BrandTrigger::kRejectAppealToNamed: return process<RejectAppealToNamed>(fsm);
    case BrandTrigger::kRejectAppealToFiled: return process<RejectAppealToFiled>(fsm);
    case BrandTrigger::kExpire: return process<Expire>(fsm);
    case BrandTrigger::kCancel: return process<Cancel>(fsm);
  }
  return false;
}

const std::vector<BrandTransition>& brand_transitions() {
  static const std::vector<BrandTransition> table = [] {
    std::vector<BrandTransition> out;
    mpl::for_each<BrandLifecycleDef::transition_table, Wrap<mpl::_1>>(CollectRow{&out});
    mpl::for_each<ActiveDef::transition_table, Wrap<mpl::_1>>(CollectRow{&out});
    // The outer Cancel row leaves whichever state the active life is in: spell it out per state.
    std::vector<BrandTransition> rows;
    for (const BrandTransition& row : out) {
      if (row.trigger != BrandTrigger::kCancel) {
        rows.push_back(row);
        continue;
      }
      for (int s = 0; s < kBrandStatusCount; ++s) {
        const auto status = static_cast<BrandStatus>(s);
        const bool active = std::any_of(out.begin(), out.end(), [&](const BrandTransition& r) {
          return r.trigger != BrandTrigger::kCancel && r.trigger != BrandTrigger::kCreate &&
                 (r.from == status || r.to == status);
        });
        if (active) rows.push_back({status, BrandTrigger::kCancel, row.to});
      }
    }
    return rows;
  }();
  return table;
}

std::optional<BrandStatus> brand_target(BrandStatus from, BrandTrigger trigger) {
  // Indexed once from the table: decisions ask this for every command.
  static const auto targets = [] {
    std::array<std::array<std::optional<BrandStatus>, kBrandTriggerCount>, kBrandStatusCount> t{};
    for (const BrandTransition& row : brand_transitions())
      t[static_cast<std::size_t>(row.from)][static_cast<std::size_t>(row.trigger)] = row.to;
    return t;
  }();
  return targets[static_cast<std::size_t>(from)][static_cast<std::size_t>(trigger)];
}

std::string_view status_code(BrandStatus s) {
  return kStatusCodes[static_cast<std::size_t>(s)];
}
std::string_view status_label(BrandStatus s) {
  return kStatusLabels[static_cast<std::size_t>(s)];
}
std::string_view trigger_name(BrandTrigger t) {
  return kTriggerNames[static_cast<std::size_t>(t)];
}

std::optional<BrandStatus> parse_status(std::string_view code) {
  for (std::size_t i = 1; i < kStatusCodes.size(); ++i)
    if (kStatusCodes[i] == code) return static_cast<BrandStatus>(i);
  return std::nullopt;
}

}  // namespace brandledger::workflows
