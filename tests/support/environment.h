// Reading the environment in tests, one way on every compiler.
#pragma once

#include <cstdlib>
#include <optional>
#include <string>

namespace chat::testing {

// The value of the environment variable `name`, or nullopt when it is not set. MSVC deprecates
// std::getenv (C4996, an error under /WX) for _dupenv_s, which returns a copy; this is the one
// place that chooses. Thread-safe while no thread changes the environment.
inline std::optional<std::string> environment_variable(const char* name) {
#if defined(_MSC_VER)
  char* value = nullptr;
  std::size_t size = 0;
  if (_dupenv_s(&value, &size, name) != 0 || value == nullptr) {
    return std::nullopt;
  }
  std::string copy(value);
  std::free(value);
  return copy;
#else
  const char* value = std::getenv(name);
  if (value == nullptr) {
    return std::nullopt;
  }
  return std::string(value);
#endif
}

}  // namespace chat::testing
