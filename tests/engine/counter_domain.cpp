#include "tests/engine/counter_domain.h"

#include <boost/json.hpp>

namespace brandledger::testing {
namespace {

using engine::Decision;
using engine::RejectionKind;

std::int64_t num(const boost::json::object& o, const char* key) {
  const auto* v = o.if_contains(key);
  if (v == nullptr || !v->is_int64()) throw engine::ArgumentError(key, "is required, a number");
  return v->as_int64();
}

class CounterViews final : public engine::Projection {
 public:
  std::vector<std::string> tables() const override { return {"counters", "totals", "rings"}; }
  Status apply(const engine::RecordedEvent& event, engine::ViewWriter& views) override {
    const auto& e = event.envelope;
    if (e.type == "Added") return add(views, std::string(e.stream), event.data.at("n").as_int64());
    if (e.type == "Scheduled") {
      engine::TimerSpec t;
      t.id = std::string(event.data.at("timer").as_string());
      t.due = from_micros(event.data.at("due_micros").as_int64());
      t.command = "counter.ring";
      t.stream = std::string(e.stream);
      return views.schedule_timer(t);
    }
    if (e.type == "Poisoned") {
      // A projection with a defect: std::stoll throws on a value that is not a number.
      return views.put("totals", "poison", std::to_string(std::stoll("not a number")));
    }
    if (e.type == "Rang") {
      BL_ASSIGN_OR_RETURN(auto rings, views.get("rings", e.stream));
      return views.put("rings", e.stream, std::to_string((rings ? std::stoll(*rings) : 0) + 1));
    }
    return Status::Ok();
  }

 private:
  static Status add(engine::ViewWriter& views, const std::string& stream, std::int64_t n) {
    BL_ASSIGN_OR_RETURN(auto current, views.get("counters", stream));
    BL_RETURN_IF_ERROR(
        views.put("counters", stream, std::to_string((current ? std::stoll(*current) : 0) + n)));
    BL_ASSIGN_OR_RETURN(auto sum, views.get("totals", "sum"));
    return views.put("totals", "sum", std::to_string((sum ? std::stoll(*sum) : 0) + n));
  }
};

const CounterState& counter(const engine::StreamState& s) {
  return *s.as<CounterState>();
}

}  // namespace

void CounterState::apply(const engine::RecordedEvent& event) {
  const auto& type = event.envelope.type;
  if (type == "Opened")
    open = true;
  else if (type == "Added")
    value += event.data.at("n").as_int64();
  else if (type == "Rang")
    ++rings;
}

engine::Domain counter_domain(int schema) {
  engine::Domain domain;
  domain.aggregates.push_back({"counter-", [] { return std::make_unique<CounterState>(); }});
  domain.projections.push_back(std::make_shared<CounterViews>());
  if (schema >= 2)
    domain.upcasters.add("Opened", 1,
                         [](boost::json::object& data) { data["label"] = "unlabelled"; });

  domain.handlers["counter.open"] = [schema](const engine::Command& c, engine::DecideContext& ctx) {
    auto s = ctx.load(c.stream);
    if (!s.ok()) throw std::runtime_error(s.status().to_string());
    if (counter(*s).open)
      return Decision::reject(RejectionKind::kDuplicate, "duplicate", c.stream + " is open");
    Decision d;
    boost::json::object data;
    if (schema >= 2) data["label"] = "new";
    d.events.push_back({c.stream, "Opened", data});
    return d;
  };
  domain.handlers["counter.add"] = [](const engine::Command& c, engine::DecideContext& ctx) {
    auto s = ctx.load(c.stream);
    if (!s.ok()) throw std::runtime_error(s.status().to_string());
    const std::int64_t n = num(c.args, "n");
    if (!counter(*s).open)
      return Decision::reject(RejectionKind::kIllegalTransition, "illegal_transition", "not open");
    if (counter(*s).value + n < 0)
      return Decision::reject(RejectionKind::kRule, "negative", "would go below zero");
    Decision d;
    d.events.push_back({c.stream, "Added", {{"n", n}}});
    d.reply = counter(*s).value + n;
    return d;
  };
  domain.handlers["counter.transfer"] = [](const engine::Command& c, engine::DecideContext& ctx) {
    const std::string to(c.args.at("to").as_string());
    const std::int64_t n = num(c.args, "n");
    auto from_state = ctx.load(c.stream);
    auto to_state = ctx.load(to);
    if (!from_state.ok() || !to_state.ok()) throw std::runtime_error("load failed");
    if (!counter(*from_state).open || !counter(*to_state).open)
      return Decision::reject(RejectionKind::kIllegalTransition, "illegal_transition", "not open");
    if (counter(*from_state).value < n)
      return Decision::reject(RejectionKind::kRule, "negative", "too little");
    Decision d;
    d.events.push_back({c.stream, "Added", {{"n", -n}}});
    d.events.push_back({to, "Added", {{"n", n}}});
    return d;
  };
  // Defects, for the engine's exception boundary: a handler that throws, and an event whose
  // projection throws.
  domain.handlers["counter.explode"] = [](const engine::Command&,
                                          engine::DecideContext&) -> Decision {
    throw std::runtime_error("a defect in a handler");
  };
  domain.handlers["counter.poison"] = [](const engine::Command& c, engine::DecideContext&) {
    Decision d;
    d.events.push_back({c.stream, "Poisoned", {}});
    return d;
  };
  domain.handlers["counter.schedule"] = [](const engine::Command& c, engine::DecideContext&) {
    Decision d;
    d.events.push_back(
        {c.stream,
         "Scheduled",
         {{"timer", c.args.at("timer")}, {"due_micros", num(c.args, "due_micros")}}});
    return d;
  };
  domain.handlers["counter.ring"] = [](const engine::Command& c, engine::DecideContext&) {
    Decision d;
    d.events.push_back({c.stream, "Rang", boost::json::object{}});
    return d;
  };
  return domain;
}

}  // namespace brandledger::testing
