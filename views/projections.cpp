#include "views/projections.h"

#include <boost/json.hpp>

#include <unordered_map>
#include <utility>

#include "engine/json_text.h"
#include "views/keys.h"
#include "views/render.h"
#include "workflows/domain.h"
#include "workflows/json_fields.h"

namespace brandledger::views {
namespace {

using engine::RecordedEvent;
using engine::ViewWriter;
using workflows::BrandState;
using workflows::BrandStatus;
using workflows::str;

Status add_to_count(ViewWriter& views, std::string_view table, std::string_view key,
                    std::int64_t delta) {
  BL_ASSIGN_OR_RETURN(auto n, views.get(table, key));
  const std::int64_t next = (n ? std::stoll(*n) : 0) + delta;
  if (next == 0) return views.erase(table, key);
  return views.put(table, key, std::to_string(next));
}

class OrgAndUserViews final : public engine::Projection {
 public:
  std::vector<std::string> tables() const override {
    return {std::string(kOrgs), std::string(kUsers)};
  }
  Status apply(const RecordedEvent& e, ViewWriter& views) override {
    const auto* org = dynamic_cast<const workflows::OrgState*>(e.after);
    if (org != nullptr) {
      boost::json::object o{{"id", org->id},
                            {"name", org->name},
                            {"kind", org->kind},
                            {"parent", org->parent.empty() ? boost::json::value(nullptr)
                                                           : boost::json::value(org->parent)},
                            {"org_type", org->org_type.empty() ? boost::json::value(nullptr)
                                                               : boost::json::value(org->org_type)},
                            {"dissolved", org->dissolved}};
      return views.put(kOrgs, org->id, engine::to_text(o));
    }
    const auto* user = dynamic_cast<const workflows::UserState*>(e.after);
    if (user != nullptr) {
      boost::json::object o{{"id", user->id},
                            {"name", user->name},
                            {"role", user->role},
                            {"org", user->org},
                            {"disabled", user->disabled},
                            {"password_set_at", user->password_set_at.empty()
                                                    ? boost::json::value(nullptr)
                                                    : boost::json::value(user->password_set_at)}};
      return views.put(kUsers, user->id, engine::to_text(o));
    }
    return Status::Ok();
  }
};

// A document rendered from an aggregate's latest state (a brand's, a round's): written at
// every event as commands come; a rebuild, which replays every event, renders each once
// from the aggregate it ends with (Projection::flush).
template <class State, auto Render>
class LatestDocument {
 public:
  explicit LatestDocument(std::string_view table) : table_(table) {}
  Status apply(const RecordedEvent& e, const State& state, ViewWriter& views) const {
    if (e.replaying) return Status::Ok();
    return views.put(table_, state.id, engine::to_text(Render(state, e.envelope.version)));
  }
  Status flush(std::span<const engine::ReplayedStream> streams, ViewWriter& views) const {
    for (const engine::ReplayedStream& s : streams)
      if (const auto* state = dynamic_cast<const State*>(s.state))
        BL_RETURN_IF_ERROR(
            views.put(table_, state->id, engine::to_text(Render(*state, s.version))));
    return Status::Ok();
  }

 private:
  std::string_view table_;
};

// The brand document and every index on it. Index entries move only when the indexed
// value changed, read from the document as it stood before this event.
class BrandViews final : public engine::Projection {
 public:
  std::vector<std::string> tables() const override {
    return {std::string(kBrands),       std::string(kBrandKeys),      std::string(kBrandsByState),
            std::string(kBrandsByUnit), std::string(kBrandsByBranch), std::string(kBrandsByTitle),
            std::string(kReReviewDue),  std::string(kPipeline)};
  }

  Status apply(const RecordedEvent& e, ViewWriter& views) override {
    const auto* brand = dynamic_cast<const BrandState*>(e.after);
    if (brand == nullptr) return Status::Ok();
    BL_ASSIGN_OR_RETURN(auto stored, views.get(kBrandKeys, brand->id));
    const BrandKeys before = stored ? BrandKeys::decode(*stored) : BrandKeys{};
    const BrandKeys after = BrandKeys::of(*brand);
    BL_RETURN_IF_ERROR(document_.apply(e, *brand, views));
    if (after == before) return Status::Ok();
    BL_RETURN_IF_ERROR(views.put(kBrandKeys, brand->id, after.encode()));

    BL_RETURN_IF_ERROR(move(views, kBrandsByState, before.state, after.state, brand->id));
    BL_RETURN_IF_ERROR(move(views, kBrandsByUnit, before.unit, after.unit, brand->id));
    BL_RETURN_IF_ERROR(move(views, kBrandsByBranch, before.branch, after.branch, brand->id));
    BL_RETURN_IF_ERROR(move(views, kBrandsByTitle, before.title, after.title, brand->id));
    if (before.due != after.due) {
      if (!before.due.empty())
        BL_RETURN_IF_ERROR(views.erase(kReReviewDue, before.due + brand->id));
      if (!after.due.empty())
        BL_RETURN_IF_ERROR(views.put(kReReviewDue, after.due + brand->id, ""));
    }
    if (before.state != after.state || before.unit != after.unit) {
      if (!before.state.empty())
        BL_RETURN_IF_ERROR(add_to_count(views, kPipeline, join(before.unit, before.state), -1));
      BL_RETURN_IF_ERROR(add_to_count(views, kPipeline, join(after.unit, after.state), +1));
    }
    return Status::Ok();
  }

  Status flush(std::span<const engine::ReplayedStream> streams, ViewWriter& views) override {
    return document_.flush(streams, views);
  }

 private:
  LatestDocument<BrandState, render_brand> document_{kBrands};

  static Status move(ViewWriter& views, std::string_view table, const std::string& from,
                     const std::string& to, const std::string& id) {
    if (from == to) return Status::Ok();
    if (!from.empty()) BL_RETURN_IF_ERROR(views.erase(table, join(from, id)));
    if (!to.empty()) BL_RETURN_IF_ERROR(views.put(table, join(to, id), ""));
    return Status::Ok();
  }
};

class RoundViews final : public engine::Projection {
 public:
  std::vector<std::string> tables() const override { return {std::string(kRounds)}; }
  Status apply(const RecordedEvent& e, ViewWriter& views) override {
    const auto* round = dynamic_cast<const workflows::RoundState*>(e.after);
    if (round == nullptr) return Status::Ok();
    return document_.apply(e, *round, views);
  }
  Status flush(std::span<const engine::ReplayedStream> streams, ViewWriter& views) override {
    return document_.flush(streams, views);
  }

 private:
  // Every nomination and score of the round: thousands of events rewrite it.
  LatestDocument<workflows::RoundState, render_round> document_{kRounds};
};

// Who did what: every event under its actor, stream, type, time, and the orgs whose
// users may read it (a brand's unit and branch; an org and its parent); and, for a brand
// or round event, the state it moved the aggregate from and to. A brand's "from" is read
// in brand_keys, so it runs before BrandViews rewrites it; a round's in round_states,
// which it keeps itself.
class AuditIndex final : public engine::Projection {
 public:
  std::vector<std::string> tables() const override {
    return {std::string(kAuditByTime), std::string(kTransitions), std::string(kRoundStates)};
  }
  std::vector<std::string> position_sets() const override {
    return {std::string(kAuditByActor), std::string(kAuditByStream), std::string(kAuditByType),
            std::string(kAuditByOrg)};
  }
  Status apply(const RecordedEvent& e, ViewWriter& views) override {
    const auto& ev = e.envelope;
    const std::string pos = position_part(ev.position);
    // (Streams and types are never empty, the log refuses them; an actor without an id
    // has nothing to be found under.)
    if (!ev.actor.id.empty())
      BL_RETURN_IF_ERROR(views.add_position(kAuditByActor, ev.actor.id, ev.position));
    BL_RETURN_IF_ERROR(views.add_position(kAuditByStream, ev.stream, ev.position));
    BL_RETURN_IF_ERROR(views.add_position(kAuditByType, ev.type, ev.position));
    BL_RETURN_IF_ERROR(views.append(kAuditByTime, time_part(ev.occurred_at) + pos, ""));
    BL_ASSIGN_OR_RETURN(std::optional<Transition> moved, transition(e, views));
    if (moved) {
      BL_RETURN_IF_ERROR(views.append(kTransitions, pos, join(moved->from, moved->to)));
      if (moved->round != nullptr && moved->from != moved->to)
        BL_RETURN_IF_ERROR(views.put(kRoundStates, *moved->round, moved->to));
    }
    std::vector<std::string> orgs;
    if (const auto* brand = dynamic_cast<const BrandState*>(e.after))
      orgs = {brand->unit, brand->branch};
    if (const auto* org = dynamic_cast<const workflows::OrgState*>(e.after))
      orgs = {org->id, org->parent};
    for (const std::string& org : orgs)
      if (!org.empty()) BL_RETURN_IF_ERROR(views.add_position(kAuditByOrg, org, ev.position));
    return Status::Ok();
  }

 private:
  struct Transition {
    std::string from, to;
    const std::string* round = nullptr;  // the round's id, for a round event
  };
  // For a brand or round event; "from" is "" at the aggregate's first event.
  static Result<std::optional<Transition>> transition(const RecordedEvent& e,
                                                      const ViewWriter& views) {
    Transition t;
    if (const auto* brand = dynamic_cast<const BrandState*>(e.after)) {
      BL_ASSIGN_OR_RETURN(auto before, views.get(kBrandKeys, brand->id));
      if (before) t.from = BrandKeys::decode(*before).state;
      t.to = workflows::status_code(brand->status());
    } else if (const auto* round = dynamic_cast<const workflows::RoundState*>(e.after)) {
      BL_ASSIGN_OR_RETURN(auto before, views.get(kRoundStates, round->id));
      if (before) t.from = std::move(*before);
      t.to = workflows::round_status_code(round->status());
      t.round = &round->id;
    } else {
      return std::optional<Transition>();
    }
    return std::optional<Transition>(std::move(t));
  }
};

// Figures as of any instant. Each unit's branch count and its brands by state and by title
// are logged after every event that moves them, under the unit and the event's time, so a
// report as of T reads one entry per unit (the last at or before T) instead of replaying
// every brand; each brand's state and title likewise, for the assessment's rows. Reads
// brand_keys as it stood before the event, so it runs before BrandViews.
class AsOfFigures final : public engine::Projection {
 public:
  std::vector<std::string> tables() const override {
    return {std::string(kUnitFigures), std::string(kBrandStatusLog)};
  }
  Status apply(const RecordedEvent& e, ViewWriter& views) override {
    const auto& ev = e.envelope;
    const std::string at = time_part(ev.occurred_at) + position_part(ev.position);
    if (const auto* org = dynamic_cast<const workflows::OrgState*>(e.after);
        org != nullptr && org->kind == "branch") {
      const int delta = ev.type == "OrgCreated" ? +1 : ev.type == "OrgDissolved" ? -1 : 0;
      if (delta == 0) return Status::Ok();
      return update(views, org->parent, at, [&](UnitFigures& f) { f.branches += delta; });
    }
    const auto* brand = dynamic_cast<const BrandState*>(e.after);
    if (brand == nullptr) return Status::Ok();
    BL_ASSIGN_OR_RETURN(auto stored, views.get(kBrandKeys, brand->id));
    const BrandKeys before = stored ? BrandKeys::decode(*stored) : BrandKeys{};
    const BrandKeys after = BrandKeys::of(*brand);
    if (before.state == after.state && before.title == after.title) return Status::Ok();
    BL_RETURN_IF_ERROR(
        views.put(kBrandStatusLog, join(brand->id, at), join(after.state, after.title)));
    return update(views, brand->unit, at, [&](UnitFigures& f) {
      move(f.states, before.state, after.state);
      move(f.titles, before.title, after.title);
    });
  }

 private:
  template <class Change>
  static Status update(ViewWriter& views, const std::string& unit, const std::string& at,
                       Change change) {
    BL_ASSIGN_OR_RETURN(auto last, last_at_or_before(views, kUnitFigures, unit, kLatest));
    UnitFigures figures = last ? UnitFigures::decode(*last) : UnitFigures{};
    change(figures);
    return views.put(kUnitFigures, join(unit, at), figures.encode());
  }
  static void move(std::map<std::string, std::int64_t, std::less<>>& counts,
                   const std::string& from, const std::string& to) {
    if (from == to) return;
    if (!from.empty() && --counts[from] == 0) counts.erase(from);
    if (!to.empty()) ++counts[to];
  }
};

// The programme's figures by year: titles given by title and org type, nominations.
class ReportTables final : public engine::Projection {
 public:
  std::vector<std::string> tables() const override {
    return {std::string(kTitles), std::string(kNominations)};
  }
  Status apply(const RecordedEvent& e, ViewWriter& views) override {
    const auto& ev = e.envelope;
    const std::string year = std::to_string(utc_year(ev.occurred_at));
    const auto* brand = dynamic_cast<const BrandState*>(e.after);
    if (brand == nullptr) return Status::Ok();
    if (ev.type == "BrandNominated") return add_to_count(views, kNominations, year, +1);
    const bool promoted = ev.type == "ReReviewConcluded" && str(e.data, "outcome") == "promoted";
    if ((ev.type == "BrandNamed" || promoted) && brand->title)
      return add_to_count(views, kTitles,
                          join(join(year, workflows::title_code(*brand->title)), brand->org_type),
                          +1);
    return Status::Ok();
  }
};

Result<std::string> stored_document(const engine::ViewReader& views, std::string_view table,
                                    const std::string& id) {
  BL_ASSIGN_OR_RETURN(auto doc, views.get(table, id));
  if (!doc) return Status::Corruption("no " + std::string(table) + " document for " + id);
  return std::move(*doc);
}

}  // namespace

BrandKeys BrandKeys::of(const BrandState& b) {
  BrandKeys k{std::string(workflows::status_code(b.status())),
              b.unit,
              b.branch,
              b.title ? std::string(workflows::title_code(*b.title)) : std::string(),
              {}};
  if (b.status() == BrandStatus::kNamed && b.valid_until) k.due = time_part(*b.valid_until);
  return k;
}

std::string BrandKeys::encode() const {
  return join(join(join(join(state, unit), branch), title), due);
}

BrandKeys BrandKeys::decode(std::string_view v) {
  BrandKeys k;
  std::string* parts[] = {&k.state, &k.unit, &k.branch, &k.title};
  for (std::string* part : parts) {
    *part = std::string(first_part(v));
    v = after_first_part(v);
  }
  k.due = std::string(v);  // 8 raw bytes that may hold 0x00: all that is left
  return k;
}

Result<std::optional<std::string>> last_at_or_before(const engine::ViewReader& views,
                                                     std::string_view table, std::string_view owner,
                                                     std::string_view time) {
  const std::string prefix = join(owner, "");
  std::optional<std::string> value;
  BL_RETURN_IF_ERROR(views.scan_backward(table, prefix + std::string(time) + std::string(8, '\xff'),
                                         [&](std::string_view key, std::string_view v) {
                                           if (key.starts_with(prefix)) value = std::string(v);
                                           return false;
                                         }));
  return value;
}

bool counts_as_filed(std::string_view state) {
  return !state.empty() && state != "cultivating" && state != "submitted" &&
         state != "unit_approved" && state != "withdrawn" && state != "cancelled";
}

std::int64_t UnitFigures::filed() const {
  std::int64_t n = 0;
  for (const auto& [state, count] : states)
    if (counts_as_filed(state)) n += count;
  return n;
}

std::string UnitFigures::encode() const {
  auto counts = [](const std::map<std::string, std::int64_t, std::less<>>& m) {
    boost::json::object o;
    for (const auto& [k, n] : m) o[k] = n;
    return o;
  };
  return engine::to_text(boost::json::object{
      {"branches", branches}, {"states", counts(states)}, {"titles", counts(titles)}});
}

UnitFigures UnitFigures::decode(std::string_view value) {
  UnitFigures f;
  const boost::json::value v = boost::json::parse(value);
  const auto& o = v.as_object();
  f.branches = o.at("branches").to_number<std::int64_t>();
  for (const auto& [k, n] : o.at("states").as_object())
    f.states[std::string(k)] = n.to_number<std::int64_t>();
  for (const auto& [k, n] : o.at("titles").as_object())
    f.titles[std::string(k)] = n.to_number<std::int64_t>();
  return f;
}

std::vector<std::shared_ptr<engine::Projection>> make_projections() {
  // The audit index and the figures read brand_keys before BrandViews rewrites it.
  return {std::make_shared<OrgAndUserViews>(), std::make_shared<AuditIndex>(),
          std::make_shared<AsOfFigures>(),     std::make_shared<BrandViews>(),
          std::make_shared<RoundViews>(),      std::make_shared<ReportTables>()};
}

engine::Domain make_full_domain() {
  engine::Domain d = workflows::make_domain();
  for (auto& p : make_projections()) d.projections.push_back(std::move(p));
  d.views_version = kViewsVersion;
  // The answer to a command on a brand or round is the document its projection just
  // wrote: no second rendering on the writer thread.
  d.renderers.push_back(
      {"brand-",
       [](const engine::AggregateState& s, std::uint64_t, const engine::ViewReader& views) {
         return stored_document(views, kBrands, dynamic_cast<const BrandState&>(s).id);
       }});
  d.renderers.push_back(
      {"round-",
       [](const engine::AggregateState& s, std::uint64_t, const engine::ViewReader& views) {
         return stored_document(views, kRounds, dynamic_cast<const workflows::RoundState&>(s).id);
       }});
  return d;
}

}  // namespace brandledger::views
