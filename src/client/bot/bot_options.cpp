#include "bot_options.h"

#include <array>
#include <utility>

namespace chat::bot {
namespace {
constexpr std::array<std::pair<const char*, Scenario>, 7> kScenarios{{
    {"fanout", Scenario::fanout},
    {"rooms", Scenario::rooms},
    {"whisper", Scenario::whisper},
    {"echo", Scenario::echo},
    {"churn", Scenario::churn},
    {"idle", Scenario::idle},
    {"login", Scenario::login},
}};
}  // namespace

bool parse_scenario(const std::string& name, Scenario& out) {
  for (const auto& [text, value] : kScenarios) {
    if (name == text) {
      out = value;
      return true;
    }
  }
  return false;
}

const char* to_string(Scenario s) {
  for (const auto& [text, value] : kScenarios) {
    if (s == value) {
      return text;
    }
  }
  return "?";
}

}  // namespace chat::bot
