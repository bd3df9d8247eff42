// Public header. chat_bot's results: a table for people, JSON for machines.
#pragma once

#include <string>

#include "runner.h"

namespace chat::bot {

// Thread-safe (pure).
std::string summary_table(const RunResult& r);
std::string to_json(const RunResult& r);

}  // namespace chat::bot
