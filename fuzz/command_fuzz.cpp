// libFuzzer: arbitrary JSON as the arguments of every command type, given to the engine
// directly (no HTTP in front): the workflows' decoding of arguments, their state machines,
// the event append and the projections.
//
// Input: a byte choosing the command type (of the domain's handlers), a byte choosing the
// target stream (the filed brand, the round, an org, a user, one that does not exist), a
// byte choosing the actor's role, then the arguments as JSON ("{brand}" and "{round}" stand
// for the fixture's ids). A handler may refuse; it must
// not crash, and an exception out of it is a defect (the engine answers Internal: abort).
#include <boost/json.hpp>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <iterator>
#include <string>

#include "fuzz/fixture.h"

using namespace brandledger;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 3) return 0;
  fuzz::Fixture& f = fuzz::fixture();
  static const std::vector<std::string> types = [&] {
    std::vector<std::string> t;
    for (const auto& [name, _] : f.engine->domain().handlers) t.push_back(name);
    return t;
  }();
  const std::string streams[] = {"brand-" + f.brand, "round-" + f.round, "org-b1", "user-branch",
                                 "brand-nope"};
  boost::system::error_code ec;
  auto args = boost::json::parse(
      f.with_ids(std::string(reinterpret_cast<const char*>(data + 3), size - 3)), ec);
  if (ec || !args.is_object()) return 0;
  engine::Command c;
  c.type = types[data[0] % types.size()];
  c.stream = streams[data[1] % std::size(streams)];
  c.actor = f.actors[data[2] % (fuzz::kRoles - 1)];  // every role that can act
  c.args = std::move(args.as_object());
  if (auto comment = c.args.find("comment"); comment != c.args.end() && comment->value().is_string())
    c.comment = std::string(comment->value().as_string());
  const std::string type = c.type, stream = c.stream;
  engine::CommandOutcome outcome = f.engine->execute(std::move(c));
  if (!outcome.error.ok() && outcome.error.code() == Status::Code::kInternal) {
    std::fprintf(stderr, "%s on %s: %s\n", type.c_str(), stream.c_str(),
                 outcome.error.to_string().c_str());
    std::abort();
  }
  return 0;
}
